"""Load what the audit lifecycle's guards judge, for an audit on the plan or one being scheduled."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from aimsflow.rules.audit_guards import AuditFacts
from models import Audit, AuditAuditor, ManagementReview, Nonconformity, Person, Program
from states.audit import AuditKind, AuditState
from states.nonconformity import NonconformityState, Severity


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
        internal_audit_closed=any(a.kind == AuditKind.INTERNAL for a in closed),
        management_review_held=session.exec(select(ManagementReview.id).where(
            ManagementReview.program_id == program.id)).first() is not None,
        first_stage_2=kind == AuditKind.STAGE_2 and not earlier_stage_2,
        stage_1_ended=max(stage_1, default=None),
        open_concerns=concerns,
        stage_1_to_stage_2_months=program.stage_1_to_stage_2_months,
        auditors=auditors,
        scope=scope,
    )
