"""Audits: scheduling (with the certification rules), findings, and closing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select

from aimsflow.catalog import load_catalog
from aimsflow.errors import InvalidInput, NotFound, Refused
from aimsflow.rules.audit_guards import CYCLE_TRIGGERS, label
from aimsflow.rules.gates import waivable
from aimsflow.rules.registry import check_for, guard
from aimsflow.rules.segregation import AuditorRecord, auditor_impartial
from aimsflow.services.audit_facts import audit_facts
from aimsflow.services.findings_between_audits import raise_unaddressed_minors
from aimsflow.services.lookup import find_person, get_by_ref, person_name, ref, roles_of
from aimsflow.services.phases import program_guards
from aimsflow.services.suspension import lift_suspension
from aimsflow.services.waivers import approve_waivers, audit_waivers, record_waivers
from aimsflow.uow import UnitOfWork
from models import (
    Audit,
    AuditAuditor,
    CorrectiveAction,
    Evidence,
    EvidenceLink,
    Finding,
    Nonconformity,
    Person,
    Program,
    SoAEntry,
    WorkItem,
)
from states.audit import AUDIT, CB_AUDITS, AuditKind, AuditState
from states.machine import GuardCheck
from states.program import PROGRAM, ProgramState

KINDS = [k.value for k in AuditKind]
SEVERITIES = ("concern", "major", "minor", "ofi")
DEFAULT_DAYS = {"internal": 3, "stage1": 2, "stage2": 4, "surveillance": 2, "recertification": 3}
# The program state of the cycle once surveillance audit 1 or 2 is held.
SURVEILLANCE_STATES = {1: ProgramState.SURVEILLANCE_1, 2: ProgramState.SURVEILLANCE_2}


def full_scope(uow: UnitOfWork, program: Program) -> list[str]:
    """Every clause 4-10 and every included control."""
    included = uow.session.exec(select(SoAEntry.control_id).where(
        SoAEntry.program_id == program.id, SoAEntry.included == True).order_by(col(SoAEntry.control_id)))  # noqa: E712
    return [*load_catalog().clause_ids, *included]


def auditor_record(uow: UnitOfWork, program: Program, person: Person) -> AuditorRecord:
    """What an auditor has had a hand in: work owned, evidence supplied or accepted, actions implemented."""
    pid = program.id
    owns = uow.session.exec(select(WorkItem.subject).where(WorkItem.program_id == pid,
                                                           WorkItem.assignee_id == person.id))
    evidence = uow.session.exec(select(EvidenceLink.ref).join(
        Evidence, Evidence.id == EvidenceLink.evidence_id).where(  # type: ignore[arg-type]
        EvidenceLink.program_id == pid,
        or_(col(Evidence.submitted_by_id) == person.id, col(Evidence.reviewed_by_id) == person.id)))
    implemented = uow.session.exec(select(Nonconformity.ref).join(
        CorrectiveAction, CorrectiveAction.nonconformity_id == Nonconformity.id).where(  # type: ignore[arg-type]
        Nonconformity.program_id == pid, CorrectiveAction.implemented_by_id == person.id))
    return AuditorRecord(person.name, frozenset(owns), frozenset(evidence), frozenset(implemented))


def schedule_audit(uow: UnitOfWork, program: Program, kind: str, *, on: date, auditors: list[str],
                   days: int | None = None, scope: list[str] | None = None, actor: str = "cli",
                   waive: list[str] | None = None, waived_by: str | None = None, reason: str | None = None) -> str:
    """Plan an audit once it is ready (or top management waives what is missing); CB audits move the cycle."""
    if kind not in KINDS:
        raise InvalidInput(f"'{kind}' is not one of {', '.join(KINDS)}", field="kind")
    audit_kind = AuditKind(kind)
    days = days or _default_days(uow, program, audit_kind)
    if days < 1:
        raise InvalidInput("an audit lasts at least one day", field="days")
    catalog = load_catalog()
    allowed_scope = set(full_scope(uow, program))
    scope = [s.strip() for s in scope or [] if s.strip()] or sorted(allowed_scope, key=full_scope(uow, program).index)
    for s in scope:
        if s not in allowed_scope and not catalog.knows(s):
            raise NotFound(f"'{s}' is not a clause or an included control", field="scope")
    people = [find_person(uow.session, program, name, "auditors") for name in auditors]
    needed = "cb-auditor" if audit_kind in CB_AUDITS else "internal-auditor"
    for p in people:
        if needed not in roles_of(uow.session, p):
            raise Refused(f"{p.name} is not a {needed}; a {kind} audit needs {needed}s", field="auditors")
        if audit_kind is AuditKind.INTERNAL and (conflicts := auditor_impartial(auditor_record(uow, program, p),
                                                                                 scope)):
            raise Refused("; ".join(conflicts) + "; narrow the scope or choose another auditor",
                          missing=conflicts, field="auditors")
    state = ProgramState(program.state)
    # The audit's own start guard, asked now with the facts of the audit being scheduled: one rule.
    facts = audit_facts(uow.session, program, kind=kind, start=on, auditors=tuple(p.name for p in people),
                        scope=tuple(scope))
    waive = [w for w in (waive or []) if w.strip()]
    missing = guard(AUDIT, "audit_may_start")(facts)
    what = f"the readiness of the {label(kind)} audit on {on}"
    approver = approve_waivers(uow, program, waive=waive, waived_by=waived_by, reason=reason, missing=missing,
                               what=what)
    missing = [m for m in missing if not any(waivable(m, w) for w in waive)]
    if missing:
        raise Refused(f"{program.key}: the {label(kind)} audit on {on} may not start: {'; '.join(missing)}",
                      missing=missing, state=program.state, hint="audit_readiness", program=program.key)
    trigger = CYCLE_TRIGGERS.get((audit_kind, state))
    sequence = 1
    if audit_kind is AuditKind.SURVEILLANCE:
        sequence = 2 if state is ProgramState.SURVEILLANCE_1 or program.suspended_from == "surveillance_1" else 1
    if trigger:
        uow.transition(program, PROGRAM, program, trigger, row_ref="program", actor=actor,
                       check=program_guards(uow, program))
    if state is ProgramState.LAPSED and audit_kind is AuditKind.STAGE_2:
        # Past restoration a new Stage 2 leads to a new certificate: a new cycle starts with it.
        program.cycle += 1
        uow.session.add(program)
    audit = Audit(program_id=program.id, kind=kind, cycle=program.cycle, sequence=sequence,  # type: ignore[arg-type]
                  start_date=on, end_date=on + timedelta(days=days - 1), scope=scope)
    uow.session.add(audit)
    uow.session.flush()
    for p in people:
        uow.session.add(AuditAuditor(program_id=program.id, audit_id=audit.id, person_id=p.id))  # type: ignore[arg-type]
    record_waivers(uow, program, approver, waive, reason=reason, phase=state, audit_id=audit.id)
    uow.record(program, actor=actor, lifecycle="audit", row_ref=ref(audit), trigger="schedule", to_state=audit.state,
               payload={"kind": kind, "start": on, "end": audit.end_date, "auditors": [p.name for p in people],
                        "scope": len(scope), **({"waived": waive, "waived_by": waived_by, "reason": reason}
                                                if waive else {})})
    return ref(audit)


def _default_days(uow: UnitOfWork, program: Program, kind: AuditKind) -> int:
    """Surveillance and recertification take a share of the initial audit's days (configurable)."""
    percent = {AuditKind.SURVEILLANCE: program.surveillance_effort_percent,
               AuditKind.RECERTIFICATION: program.recertification_effort_percent}.get(kind)
    initial = 0
    for stage in (AuditKind.STAGE_1, AuditKind.STAGE_2):  # the latest of each: what the decision rested on
        audit = uow.session.exec(select(Audit).where(
            Audit.program_id == program.id, Audit.kind == stage, Audit.state == AuditState.CLOSED)
            .order_by(col(Audit.end_date).desc())).first()
        initial += (audit.end_date - audit.start_date).days + 1 if audit else 0
    if percent is None or not initial:
        return DEFAULT_DAYS[kind]
    return max(1, round(initial * percent / 100))


def _audit_check(uow: UnitOfWork, program: Program, audit: Audit, waived: list[str] = ()) -> GuardCheck:  # type: ignore[assignment]
    facts = audit_facts(uow.session, program, kind=audit.kind, start=audit.start_date, audit=audit)
    return check_for(AUDIT, facts, waived=[*audit_waivers(uow, audit.id), *waived])


def start_if_planned(uow: UnitOfWork, program: Program, audit: Audit, actor: str) -> None:
    """Start a planned audit (its first finding or its closing starts it), through its start guard."""
    if audit.state == AuditState.PLANNED:
        uow.transition(program, AUDIT, audit, "start", row_ref=ref(audit), actor=actor,
                       check=_audit_check(uow, program, audit))


def start_audit(uow: UnitOfWork, audit_ref: str, *, actor: str = "cli", waive: list[str] | None = None,
                waived_by: str | None = None, reason: str | None = None) -> dict[str, Any]:
    """Start a planned audit through its start guard; top management may waive what is missing on its first day."""
    audit = get_by_ref(uow.session, audit_ref, Audit)
    program = uow.session.get_one(Program, audit.program_id)
    waive = [w for w in (waive or []) if w.strip()]
    if waive:
        facts = audit_facts(uow.session, program, kind=audit.kind, start=audit.start_date, audit=audit)
        approver = approve_waivers(uow, program, waive=waive, waived_by=waived_by, reason=reason,
                                   missing=guard(AUDIT, "audit_may_start")(facts),
                                   what=f"the readiness of {ref(audit)}")
        record_waivers(uow, program, approver, waive, reason=reason, phase=program.state, audit_id=audit.id)
    uow.transition(program, AUDIT, audit, "start", row_ref=ref(audit), actor=actor,
                   check=_audit_check(uow, program, audit, waive),
                   payload={"waived": waive, "waived_by": waived_by, "reason": reason} if waive else None)
    return {"audit": ref(audit), "kind": audit.kind, "state": audit.state, "waived": waive}


def close_audit(uow: UnitOfWork, audit_ref: str, *, actor: str = "cli") -> dict[str, Any]:
    """Close an audit; closing Stage 2 opens the resolution of its findings."""
    audit = get_by_ref(uow.session, audit_ref, Audit)
    program = uow.session.get_one(Program, audit.program_id)
    start_if_planned(uow, program, audit, actor)
    audit.closed_on = uow.today(program)
    uow.transition(program, AUDIT, audit, "close", row_ref=ref(audit), actor=actor,
                   check=_audit_check(uow, program, audit))
    if audit.kind == AuditKind.STAGE_2 and program.state == ProgramState.CERTIFICATION_STAGE_2:
        uow.transition(program, PROGRAM, program, "close_stage_2", row_ref="program", actor=actor)
    if audit.kind == AuditKind.SURVEILLANCE and program.state == ProgramState.SUSPENDED:
        from aimsflow.services.certification import current_certificate

        # The missed surveillance is done: unless the suspension has another cause still open, the
        # certificate is reinstated where the cycle stood, and the cycle moves past the audit just held
        # (else the next check would find it missing again).
        if lift_suspension(uow, program, current_certificate(uow.session, program), actor=actor, named_only=False):
            held = SURVEILLANCE_STATES[audit.sequence]
            if program.state != held:
                uow.transition(program, PROGRAM, program, CYCLE_TRIGGERS[(AuditKind.SURVEILLANCE, ProgramState(
                    program.state))], row_ref="program", actor=actor, check=program_guards(uow, program))
    # The body verifies earlier minors at this audit: those it did not are raised to majors (a setting).
    raised = raise_unaddressed_minors(uow, program, audit, actor=actor)
    findings = list(uow.session.exec(select(Finding).where(Finding.audit_id == audit.id)))
    return {"audit": ref(audit), "kind": audit.kind, "state": audit.state, "program_state": program.state,
            "findings": {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES},
            "raised_to_major": raised}


def list_audits(uow: UnitOfWork, program: Program) -> list[dict[str, Any]]:
    """Every audit of the program, oldest first, with its auditors, scope size and finding count."""
    out = []
    for a in uow.session.exec(select(Audit).where(Audit.program_id == program.id).order_by(col(Audit.id))):
        auditors = [person_name(uow.session, x.person_id) for x in uow.session.exec(
            select(AuditAuditor).where(AuditAuditor.audit_id == a.id))]
        findings = list(uow.session.exec(select(Finding).where(Finding.audit_id == a.id)))
        out.append({"id": ref(a), "kind": a.kind, "cycle": a.cycle, "sequence": a.sequence, "state": a.state,
                    "start": a.start_date.isoformat(), "end": a.end_date.isoformat(),
                    "days": (a.end_date - a.start_date).days + 1, "auditors": auditors,
                    "scope": len(a.scope), "findings": len(findings)})
    return out



def show_audit(uow: UnitOfWork, audit_ref: str) -> dict[str, Any]:
    """One audit as `audit show` tells it: kind, state, dates, auditors, its whole scope, and each finding
    with the nonconformity it opened and where that stands."""
    audit = get_by_ref(uow.session, audit_ref, Audit)
    program = uow.session.get_one(Program, audit.program_id)
    auditors = [person_name(uow.session, x.person_id) for x in uow.session.exec(
        select(AuditAuditor).where(AuditAuditor.audit_id == audit.id).order_by(col(AuditAuditor.id)))]
    findings = [{"id": f"F-{f.id}", "severity": f.severity, "ref": f.ref, "text": f.text,
                 "raised_on": f.raised_on.isoformat(), "nonconformity": f"NC-{nc.id}" if nc else None,
                 "nonconformity_state": nc.state if nc else None}
                for f, nc in uow.session.exec(
                    select(Finding, Nonconformity).outerjoin(Nonconformity, Nonconformity.finding_id == Finding.id)  # type: ignore[arg-type]
                    .where(Finding.audit_id == audit.id).order_by(col(Finding.id)))]
    return {"id": ref(audit), "program": program.key, "kind": audit.kind, "label": label(audit.kind),
            "state": audit.state, "cycle": audit.cycle, "sequence": audit.sequence,
            "start": audit.start_date.isoformat(), "end": audit.end_date.isoformat(),
            "days": (audit.end_date - audit.start_date).days + 1,
            "closed_on": audit.closed_on.isoformat() if audit.closed_on else None, "auditors": auditors,
            "scope": list(audit.scope), "findings": findings,
            "by_severity": {s: sum(1 for f in findings if f["severity"] == s) for s in SEVERITIES},
            "allowed": AUDIT.triggers_from(audit.state)}
