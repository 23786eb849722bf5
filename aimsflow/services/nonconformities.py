"""Nonconformities and their corrective actions (10.2): the loop, with an independent verifier."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.exc import NoResultFound
from sqlmodel import col, select

from aimsflow.errors import InvalidInput, Refused
from aimsflow.rows import insert_row, table_of, update_versioned
from aimsflow.rules.corrective_action import (
    NonconformityStep,
    verified_at_next_audit,
    verified_by_certification_body,
)
from aimsflow.rules.registry import check_for
from aimsflow.services.aggregates import load_nonconformity
from aimsflow.services.entered_by import entered
from aimsflow.services.lookup import get_by_ref, parse_ref, people_with_role, person_name, ref, role_names
from aimsflow.services.notifications import enqueue
from aimsflow.uow import UnitOfWork
from models import Audit, AuditAuditor, CorrectiveAction, Finding, Nonconformity, Program
from states.audit import CB_AUDITS, AuditState
from states.nonconformity import NONCONFORMITY, NonconformityState, Severity

TRIGGERS = sorted({t.trigger for t in NONCONFORMITY.transitions})
# Which corrective-action field a trigger's note fills.
NOTE_FIELD = {"correct": "correction", "analyse": "root_cause", "plan": "plan"}


def start_round(uow: UnitOfWork, program: Program, nc: Nonconformity) -> CorrectiveAction:
    """Open the corrective action of the nonconformity's current round."""
    action = CorrectiveAction(program_id=program.id, nonconformity_id=nc.id, round=nc.round,  # type: ignore[arg-type]
                              created_at=uow.stamp)
    uow.session.add(action)
    return action


def next_audit_of(uow: UnitOfWork, program_id: int, nc_id: int, person_id: int) -> str | None:
    """The certification audit after the one that raised the NC, planned or in progress, that the person audits."""
    raised_on = select(col(Nonconformity.raised_on)).where(Nonconformity.id == nc_id).scalar_subquery()
    audit_id = uow.session.exec(select(Audit.id).join(
        AuditAuditor, AuditAuditor.audit_id == Audit.id).where(  # type: ignore[arg-type]
        Audit.program_id == program_id, col(Audit.kind).in_([k.value for k in CB_AUDITS]),
        col(Audit.state).in_([AuditState.PLANNED.value, AuditState.IN_PROGRESS.value]),
        AuditAuditor.person_id == person_id, col(Audit.start_date) > raised_on).order_by(col(Audit.start_date))).first()
    return f"AUD-{audit_id}" if audit_id is not None else None


def advance_nonconformity(uow: UnitOfWork, nc_ref: str, trigger: str, *, by: str, note: str | None = None,
                          effective: bool | None = None, entered_by: str | None = None) -> dict[str, Any]:
    """Record one step of the loop; an ineffective verification starts a new round at root-cause analysis.

    `entered_by`: the login of whoever typed the step in for `by`; the trail keeps it beside them.

    Returns the NC's id, state, round and allowed triggers (`show_nonconformity` gives the full view).
    A hot path: one query reads the step, Core statements write it (see aimsflow.rows).
    """
    nc = load_nonconformity(uow, parse_ref(nc_ref, Nonconformity), by)
    program = nc.program
    person_id, person_name = nc.actor.id, nc.actor.name
    if trigger not in TRIGGERS:
        raise InvalidInput(f"'{trigger}' is not one of {', '.join(TRIGGERS)}", field="trigger")
    if trigger == "verify" and effective is None:
        raise InvalidInput(f"NC-{nc.id}: a verification says whether the corrective action was effective",
                           field="effective")
    if trigger != "verify" and effective is not None:
        raise InvalidInput(f"NC-{nc.id}: whether the corrective action was effective is said on verify only, "
                           f"not on {trigger}", field="effective")
    if nc.action_id is None or nc.action_version is None:
        raise NoResultFound(f"NC-{nc.id} has no corrective action for round {nc.round}")
    nid = f"NC-{nc.id}"

    # The verifier's roles are read only when the rule asks for a CB auditor (a hot path).
    cb_auditor = ("cb-auditor" in role_names(uow.session, person_id)
                  if trigger == "verify" and verified_by_certification_body(nc.severity, nc.source) else None)
    at_audit = (next_audit_of(uow, nc.program_id, nc.id, person_id)
                if trigger == "verify" and verified_at_next_audit(nc.severity, nc.source) else None)
    step = NonconformityStep(nid, nc.severity, nc.source, nc.implemented_by_id, person_id, person_name,
                             actor_is_cb_auditor=cb_auditor, effective=effective, actor_at_audit=at_audit)
    check = check_for(NONCONFORMITY, step)
    if trigger == "verify" and (not_independent := check("verifier_independent")):
        # Say the segregation rule plainly rather than alongside the other outcome's guard.
        raise Refused("; ".join(not_independent), missing=not_independent, state=nc.state)
    after = uow.fire(program, NONCONFORMITY, nc.state, trigger, row_ref=nid, actor=person_name, check=check,
                     payload=entered({"note": note, "effective": effective, "round": nc.round}, entered_by))
    action: dict[str, Any] = {}
    if trigger in NOTE_FIELD:
        action[NOTE_FIELD[trigger]] = note or ""
        if getattr(nc, NOTE_FIELD[trigger]) == action[NOTE_FIELD[trigger]]:
            action = {}  # nothing changes: the ORM would not have written the row either
    elif trigger == "implement":
        action = {"implemented_by_id": person_id, "implemented_at": uow.stamp}
    elif trigger == "verify":
        action = {"verified_by_id": person_id, "verified_at": uow.stamp, "effective": effective,
                  "verification_note": note}
    if action:
        update_versioned(uow.session, CorrectiveAction, nc.action_id, nc.action_version, action)
    changed: dict[str, Any] = {"state": after} if after != nc.state else {}
    round_ = nc.round
    if trigger == "verify" and not effective:
        round_ = changed["round"] = nc.round + 1  # the loop repeats: a new round starts at root-cause analysis
    if after == NonconformityState.CLOSED:
        changed["closed_on"] = uow.today(program)
    if changed:
        update_versioned(uow.session, Nonconformity, nc.id, nc.version, changed)
    if round_ != nc.round:
        insert_row(uow.session, CorrectiveAction, _new_round(nc.program_id, nc.id, round_, uow))
    result: dict[str, Any] = {"id": nid, "state": after, "round": round_, "allowed": NONCONFORMITY.triggers_from(after)}
    if trigger == "verify" and effective and nc.severity == Severity.MAJOR:
        from aimsflow.services.suspension import lift_when_verified

        # A major verified may be what the certificate is suspended for: the suspension is lifted now.
        if lifted := lift_when_verified(uow, nc.program_id, nid, actor=person_name):
            result["suspension"] = lifted
    return result


def _new_round(program_id: int, nc_id: int, round_: int, uow: UnitOfWork) -> dict[str, Any]:
    row = CorrectiveAction(program_id=program_id, nonconformity_id=nc_id, round=round_, created_at=uow.stamp)
    return {c.name: getattr(row, c.name) for c in table_of(CorrectiveAction).columns if c.name != "id"}


def show_nonconformity(uow: UnitOfWork, nc_ref: str) -> dict[str, Any]:
    """One nonconformity as the CLI shows it: state, deadline, every round of its corrective action."""
    nc = get_by_ref(uow.session, nc_ref, Nonconformity)
    return nonconformity_view(uow, nc, uow.session.get_one(Program, nc.program_id))


def nonconformity_view(uow: UnitOfWork, nc: Nonconformity, program: Program) -> dict[str, Any]:
    """A nonconformity as shown: state, deadline, and every round of its corrective action."""
    today = uow.today(program)
    finding = uow.session.get_one(Finding, nc.finding_id)
    overdue = bool(nc.verify_by and nc.state not in ("effectiveness_verified", "closed") and today > nc.verify_by)
    rounds = list(uow.session.exec(select(CorrectiveAction).where(
        CorrectiveAction.nonconformity_id == nc.id).order_by(col(CorrectiveAction.round))))
    return {
        "id": ref(nc), "severity": nc.severity, "ref": nc.ref, "state": nc.state, "source": finding.source,
        "text": finding.text, "raised_on": nc.raised_on.isoformat(),
        "verify_by": nc.verify_by.isoformat() if nc.verify_by else None, "past_deadline": overdue,
        "round": nc.round, "allowed": NONCONFORMITY.triggers_from(nc.state),
        "rounds": [{"round": a.round, "correction": a.correction, "root_cause": a.root_cause, "plan": a.plan,
                    "implemented_by": person_name(uow.session, a.implemented_by_id),
                    "verified_by": person_name(uow.session, a.verified_by_id), "effective": a.effective}
                   for a in rounds],
    }


def list_nonconformities(uow: UnitOfWork, program: Program, *, open_only: bool = False) -> list[dict[str, Any]]:
    """The program's nonconformities, oldest first (only the open ones if asked)."""
    query = select(Nonconformity).where(Nonconformity.program_id == program.id).order_by(col(Nonconformity.id))
    rows = [nonconformity_view(uow, nc, program) for nc in uow.session.exec(query)]
    return [r for r in rows if r["state"] != "closed"] if open_only else rows


def open_nonconformity(uow: UnitOfWork, program: Program, *, source: str, source_label: str, severity: str,
                       ref_id: str, text: str, raised_on: date, actor: str) -> Nonconformity:
    """Open a nonconformity found outside an audit (an incident, a complaint, monitoring: 10.2) with its
    finding, its first corrective-action round, its event and the program managers' notice."""
    finding = Finding(program_id=program.id, audit_id=None, source=source, severity=severity,  # type: ignore[arg-type]
                      ref=ref_id, text=text, raised_on=raised_on, raised_at=uow.stamp)
    uow.session.add(finding)
    uow.session.flush()
    nc = Nonconformity(program_id=program.id, finding_id=finding.id, severity=severity, ref=ref_id,  # type: ignore[arg-type]
                       raised_on=raised_on)
    uow.session.add(nc)
    uow.session.flush()
    start_round(uow, program, nc)
    uow.record(program, actor=actor, lifecycle="nonconformity", row_ref=ref(nc), trigger="raise",
               to_state=nc.state, payload={"source": source_label, "severity": severity, "ref": ref_id,
                                           "text": text, "verify_by": None})
    for pm in people_with_role(uow.session, program, "program-manager"):
        enqueue(uow, program, kind="nonconformity", key=f"nc:{nc.id}:{pm.id}", person=pm,
                context={"nc_id": ref(nc), "severity": severity, "ref": ref_id, "text": text,
                         "source": source_label, "verify_by": ""})
    return nc
