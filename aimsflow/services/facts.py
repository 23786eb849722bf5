"""Load what the gates judge: one query per table, turned into plain ProgramFacts."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from aimsflow.catalog import load_catalog
from aimsflow.rules import certification_cycle
from aimsflow.rules.gates import NonconformityFacts, ProgramFacts, SystemFacts
from aimsflow.rules.recurring import assessment_state
from models import (
    AISystem,
    Audit,
    ClauseAssessment,
    CommitteeSeat,
    Evidence,
    EvidenceLink,
    Finding,
    ImpactAssessment,
    ManagementReview,
    Nonconformity,
    Person,
    Program,
    RoleAssignment,
    SoAEntry,
    WorkItem,
)
from states.audit import AuditKind, AuditState
from states.evidence import EvidenceState
from states.nonconformity import PLANNED_OR_LATER, VERIFIED
from states.program import ProgramState
from states.work_item import WorkItemState


def load_facts(session: Session, program: Program, today: date) -> ProgramFacts:
    """What the program lifecycle's guards judge, read in one query per table."""
    from aimsflow.services.certification import current_certificate  # certification imports the phases

    pid = program.id
    catalog = load_catalog()
    people = {p.id: p.name for p in session.exec(select(Person).where(Person.program_id == pid))}
    top = {r.person_id for r in session.exec(
        select(RoleAssignment).where(RoleAssignment.program_id == pid, RoleAssignment.role == "top-management"))}
    assessments = {a.system_id: assessment_state(a.state, a.next_due, today)
                   for a in session.exec(select(ImpactAssessment).where(ImpactAssessment.program_id == pid))}
    systems = tuple(
        SystemFacts(s.name, s.status, people.get(s.owner_id) if s.owner_id else None, s.risk_level, s.in_scope,
                    assessments.get(s.id))  # type: ignore[arg-type]
        for s in session.exec(select(AISystem).where(AISystem.program_id == pid).order_by(col(AISystem.name)))
        if s.status != "retired"
    )
    items = list(session.exec(select(WorkItem).where(WorkItem.program_id == pid)))
    accepted = frozenset(w.key for w in items if w.state == WorkItemState.ACCEPTED)
    approved = frozenset(
        w.key for w in items if w.state == WorkItemState.ACCEPTED and w.kind == "approval" and w.decided_by_id in top
    )
    soa_rows = list(session.exec(select(SoAEntry).where(SoAEntry.program_id == pid)))
    evidence: dict[str, str] = {}
    rows = session.exec(
        select(EvidenceLink.ref, Evidence).join(Evidence, Evidence.id == EvidenceLink.evidence_id)  # type: ignore[arg-type]
        .where(EvidenceLink.program_id == pid)
    )
    rank = {"accepted": 3, "expired": 2, "submitted": 1}
    for ref, ev in rows:
        status = ev.state
        if status == EvidenceState.ACCEPTED and ev.valid_until < today:
            status = "expired"
        if rank.get(status, 0) > rank.get(evidence.get(ref, ""), 0):
            evidence[ref] = status
    audits = list(session.exec(select(Audit).where(Audit.program_id == pid, Audit.cycle == program.cycle)))
    coverage: set[str] = set()
    for a in audits:
        if a.kind == AuditKind.INTERNAL and a.state == AuditState.CLOSED:
            coverage.update(a.scope)
    reviews = tuple(
        frozenset(k for k, v in (("a", r.input_a_previous_actions), ("b", r.input_b_external_internal_issues),
                                  ("c", r.input_c_interested_parties), ("d", r.input_d_performance),
                                  ("e", r.input_e_improvement)) if v and v.strip())
        for r in session.exec(select(ManagementReview).where(ManagementReview.program_id == pid))
    )
    ncs: list[NonconformityFacts] = []
    decision_ncs: list[NonconformityFacts] = []
    # The decision rests on Stage 2 at first certification, on the recertification audit afterwards.
    recertifying = program.state in (ProgramState.RECERTIFICATION, ProgramState.LAPSED)
    decision_kind = AuditKind.RECERTIFICATION if recertifying else AuditKind.STAGE_2
    decision_audit_ids = {a.id for a in audits if a.kind == decision_kind}
    for nc, finding in session.exec(
        select(Nonconformity, Finding).join(Finding, Finding.id == Nonconformity.finding_id)  # type: ignore[arg-type]
        .where(Nonconformity.program_id == pid).order_by(col(Nonconformity.id))
    ):
        facts = NonconformityFacts(f"NC-{nc.id}", nc.severity, nc.state, finding.source,
                                   nc.state in VERIFIED, nc.state in PLANNED_OR_LATER, nc.verify_by)
        ncs.append(facts)
        if finding.audit_id in decision_audit_ids:
            decision_ncs.append(facts)
    stage_1 = [a for a in audits if a.kind == AuditKind.STAGE_1]
    decision_audits = [a for a in audits if a.kind == decision_kind]
    last_day = max((a.end_date for a in decision_audits if a.state == AuditState.CLOSED), default=None)
    new_stage_2 = bool(
        last_day and not recertifying and certification_cycle.new_stage_2_required(
            last_day, today, any(not n.verified for n in decision_ncs if n.severity == "major"),
            program.new_stage_2_after_months)
    )
    return ProgramFacts(
        clause_ids=tuple(catalog.clause_ids),
        control_ids=tuple(catalog.control_ids),
        systems=systems,
        clause_assessments={a.clause_id: (a.rating, a.note) for a in session.exec(
            select(ClauseAssessment).where(ClauseAssessment.program_id == pid))},
        accepted_items=accepted,
        approved_by_top=approved,
        committee_functions=frozenset(session.exec(
            select(CommitteeSeat.function).where(CommitteeSeat.program_id == pid))),
        risk_threshold=program.risk_threshold,
        soa={e.control_id: (e.included, e.justification) for e in soa_rows},
        added_controls=tuple(e.control_id for e in soa_rows if e.added_title),
        evidence=evidence,
        internal_audit_coverage=frozenset(coverage),
        review_inputs=reviews,
        nonconformities=tuple(ncs),
        decision_nonconformities=tuple(decision_ncs),
        stage_1_closed=any(a.state == AuditState.CLOSED for a in stage_1),
        decision_audit_closed=any(a.state == AuditState.CLOSED for a in decision_audits),
        new_stage_2_required=new_stage_2,
        stage_2_open=any(a.kind == AuditKind.STAGE_2 and a.state in (AuditState.PLANNED, AuditState.IN_PROGRESS)
                         for a in audits),
        state=program.state,
        suspended_from=program.suspended_from,
        suspension_causes=tuple(program.suspension_causes),
        closed_surveillance=frozenset(a.sequence for a in audits
                                      if a.kind == AuditKind.SURVEILLANCE and a.state == AuditState.CLOSED),
        certificate_expiry=cert.expiry if (cert := current_certificate(session, program)) else None,
        today=today,
        new_stage_2_after_months=program.new_stage_2_after_months,
        restoration_window_months=program.restoration_window_months,
    )
