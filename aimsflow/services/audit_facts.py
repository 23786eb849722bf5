"""Load what the audit lifecycle's guards judge, for an audit on the plan or one being scheduled.

`readiness_facts` is the one place the record is read for audit readiness (`rules/audit_readiness.py`):
the start guard, `audit readiness`, `status` and the readiness packs all get their facts here.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from aimsflow.catalog import load_catalog
from aimsflow.rules.audit_guards import AuditFacts
from aimsflow.rules.audit_readiness import AuditReadinessFacts, ReviewHeld, SystemAssessment
from aimsflow.rules.gates import REVIEW_INPUTS
from aimsflow.rules.working_days import local_date
from models import (
    AISystem,
    Audit,
    AuditAuditor,
    Evidence,
    EvidenceLink,
    Finding,
    ImpactAssessment,
    ManagementReview,
    Nonconformity,
    Person,
    Program,
    SoAEntry,
    WorkItem,
)
from states.audit import CB_AUDITS, AuditKind, AuditState
from states.evidence import EvidenceState
from states.nonconformity import NonconformityState, Severity
from states.work_item import WorkItemState

INPUT_COLUMNS = {"a": "input_a_previous_actions", "b": "input_b_external_internal_issues",
                 "c": "input_c_interested_parties", "d": "input_d_performance", "e": "input_e_improvement"}
POLICY_KEYS = ("policy-approval", "policy-review:")  # the AI policy's approval, then each review (A.2.4)


def audit_facts(session: Session, program: Program, *, kind: str, start: date, audit: Audit | None = None,
                auditors: tuple[str, ...] = (), scope: tuple[str, ...] = ()) -> AuditFacts:
    """The facts of `audit`, or (audit None) of the `kind` audit on `start` being scheduled with `auditors`."""
    audits = list(session.exec(select(Audit).where(Audit.program_id == program.id).order_by(col(Audit.id))))
    closed = [a for a in audits if a.cycle == program.cycle and a.state == AuditState.CLOSED]
    stage_1 = [a.end_date for a in closed if a.kind == AuditKind.STAGE_1]
    earlier_stage_2 = any(a.kind == AuditKind.STAGE_2 and (audit is None or a.id < audit.id)  # type: ignore[operator]
                          for a in audits)
    concerns = tuple(f"NC-{nc_id}" for nc_id in session.exec(select(Nonconformity.id).where(
        Nonconformity.program_id == program.id, Nonconformity.severity == Severity.CONCERN,
        Nonconformity.state != NonconformityState.CLOSED).order_by(col(Nonconformity.id))))
    if audit is not None:
        auditors = tuple(session.exec(select(Person.name).join(
            AuditAuditor, AuditAuditor.person_id == Person.id).where(  # type: ignore[arg-type]
            AuditAuditor.audit_id == audit.id).order_by(col(Person.name))))
        scope = tuple(audit.scope)
    return AuditFacts(
        ref=f"AUD-{audit.id}" if audit is not None else f"the {kind} audit on {start}",
        kind=kind,
        start=start,
        program_state=program.state,
        planned=audit is not None,
        first_stage_2=kind == AuditKind.STAGE_2 and not earlier_stage_2,
        stage_1_ended=max(stage_1, default=None),
        open_concerns=concerns,
        stage_1_to_stage_2_months=program.stage_1_to_stage_2_months,
        auditors=auditors,
        scope=scope,
        readiness=readiness_facts(session, program, kind=kind, on=start, audit=audit, audits=audits)
        if kind in CB_AUDITS else None,
    )


def readiness_facts(session: Session, program: Program, *, kind: str, on: date, audit: Audit | None = None,
                    audits: list[Audit] | None = None) -> AuditReadinessFacts:
    """The record as a CB finds it for a `kind` audit on `on` (`audit`: that audit, once on the plan)."""
    pid = program.id
    if audits is None:
        audits = list(session.exec(select(Audit).where(Audit.program_id == pid).order_by(col(Audit.id))))
    closed = [a for a in audits if a.state == AuditState.CLOSED and (audit is None or a.id != audit.id)]
    previous = max((a for a in closed if a.kind in CB_AUDITS and a.start_date <= on),
                   key=lambda a: (a.end_date, a.id or 0), default=None)
    minors: tuple[tuple[str, str], ...] = ()
    if previous is not None:
        minors = tuple((f"NC-{nc.id}", nc.state) for nc in session.exec(select(Nonconformity).join(
            Finding, Finding.id == Nonconformity.finding_id).where(  # type: ignore[arg-type]
            Finding.audit_id == previous.id, Nonconformity.severity == Severity.MINOR).order_by(col(Nonconformity.id))))
    included = list(session.exec(select(SoAEntry.control_id).where(
        SoAEntry.program_id == pid, SoAEntry.included == True).order_by(col(SoAEntry.control_id))))  # noqa: E712
    evidence: dict[str, date | None] = dict.fromkeys(included)
    accepted = session.exec(select(EvidenceLink, Evidence).join(
        Evidence, Evidence.id == EvidenceLink.evidence_id).where(  # type: ignore[arg-type]
        EvidenceLink.program_id == pid, Evidence.state == EvidenceState.ACCEPTED))
    for link, ev in accepted:
        known = evidence.get(link.ref)
        if link.ref in evidence and (known is None or ev.valid_until > known):
            evidence[link.ref] = ev.valid_until
    assessments = {ia.system_id: ia for ia in session.exec(select(ImpactAssessment).where(
        ImpactAssessment.program_id == pid))}
    systems = tuple(
        SystemAssessment(s.name, ia.state if ia else None, ia.next_due if ia else None)
        for s in session.exec(select(AISystem).where(
            AISystem.program_id == pid, AISystem.in_scope == True, AISystem.status != "retired")  # noqa: E712
            .order_by(col(AISystem.name)))
        for ia in [assessments.get(s.id)]  # type: ignore[arg-type]
    )
    from aimsflow.services.certification import current_certificate  # certification imports the audits

    cert = current_certificate(session, program)
    cycle_began = cert.decision_date if cert is not None else None  # the cycle's programme counts from its decision
    return AuditReadinessFacts(
        kind=kind, on=on, cycle=program.cycle, lookback_months=program.readiness_lookback_months,
        internal_audits_closed=tuple(a.end_date for a in closed if a.kind == AuditKind.INTERNAL),
        reviews=_reviews(session, program),
        previous_audit=f"AUD-{previous.id}" if previous is not None else None,
        previous_minors=minors,
        evidence=evidence,
        systems=systems,
        policy_reviewed_on=policy_reviewed_on(session, program),
        policy_review_interval_months=program.policy_review_interval_months,
        audit_scope=(*load_catalog().clause_ids, *included),
        cycle_coverage=frozenset(ref for a in closed if a.kind == AuditKind.INTERNAL and a.cycle == program.cycle
                                 and (cycle_began is None or a.end_date >= cycle_began) for ref in a.scope),
    )


def policy_reviewed_on(session: Session, program: Program) -> date | None:
    """The day the AI policy was last approved or reviewed (A.2.4), in the program's time zone; None: never."""
    done = session.exec(select(WorkItem.key, WorkItem.completed_at).where(
        WorkItem.program_id == program.id, WorkItem.state == WorkItemState.ACCEPTED,
        col(WorkItem.key).startswith("policy-")))
    days = [local_date(at, program.timezone) for key, at in done
            if at is not None and (key == POLICY_KEYS[0] or key.startswith(POLICY_KEYS[1]))]
    return max(days, default=None)


def _reviews(session: Session, program: Program) -> tuple[ReviewHeld, ...]:
    rows = list(session.exec(select(ManagementReview).where(ManagementReview.program_id == program.id)
                             .order_by(col(ManagementReview.held_on), col(ManagementReview.id))))
    actions: dict[int, list[str]] = {}
    for key, item_id in session.exec(select(WorkItem.key, WorkItem.id).where(
            WorkItem.program_id == program.id, WorkItem.kind == "review_action").order_by(col(WorkItem.id))):
        actions.setdefault(int(key.split(":")[1]), []).append(f"WI-{item_id}")
    held = []
    for index, r in enumerate(rows):
        before = rows[index - 1] if index else None
        held.append(ReviewHeld(
            ref=f"MR-{r.id}", held_on=r.held_on,
            inputs=frozenset(k for k in REVIEW_INPUTS if (getattr(r, INPUT_COLUMNS[k]) or "").strip()),
            input_a=r.input_a_previous_actions or "",
            previous=f"MR-{before.id}" if before is not None else None,
            previous_actions=tuple(actions.get(before.id, ())) if before is not None and before.id else ()))
    return tuple(held)

