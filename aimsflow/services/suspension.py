"""Suspending a certificate for a named cause, lifting it when the cause is resolved, withdrawing it after the limit.

The daily check (services.daily_check, through certification.check_cycle) applies the dates: a major
past its verification deadline suspends, a suspension past the program's limit withdraws. Closing the
missed surveillance audit, or verifying the overdue major, lifts the suspension at once. Each step is
idempotent: it acts only from the state that calls for it, and records a trail event naming the cause.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, select

from aimsflow.rules import suspension
from aimsflow.rules.gates import NonconformityFacts
from aimsflow.services.phases import program_guards
from aimsflow.uow import UnitOfWork
from models import Audit, Certificate, Finding, Nonconformity, Program
from states.audit import AuditKind, AuditState
from states.nonconformity import VERIFIED, Severity
from states.program import HOLDS_CERTIFICATE, PROGRAM, ProgramState


def suspend_certificate(uow: UnitOfWork, program: Program, cert: Certificate, causes: list[str], *,
                        actor: str) -> str:
    """Suspend the certificate for `causes`; returns the line the daily check reports."""
    today = uow.today(program)
    until = suspension.withdrawal_date(today, program.suspension_limit_months)
    program.suspended_from = program.state
    program.suspended_on = today
    program.suspension_causes = list(causes)
    uow.transition(program, PROGRAM, program, "suspend", row_ref="program", actor=actor,
                   payload={"causes": list(causes), "withdrawn_unless_resolved_by": until})
    cert.status = "suspended"
    uow.session.add(cert)
    uow.session.add(program)
    return (f"{'; '.join(suspension.describe(c) for c in causes)}: certificate suspended "
            f"(withdrawn unless resolved by {until})")


def _resolution(uow: UnitOfWork, program: Program) -> tuple[set[str], set[int]]:
    """The nonconformities verified among the suspension's causes, and the cycle's closed surveillance audits."""
    refs = [c for c in program.suspension_causes if c.startswith("NC-") and c[3:].isdigit()]
    verified = {f"NC-{i}" for i, state in uow.session.exec(select(Nonconformity.id, Nonconformity.state).where(
        col(Nonconformity.id).in_([int(r[3:]) for r in refs]))) if state in VERIFIED} if refs else set()
    closed = set(uow.session.exec(select(Audit.sequence).where(
        Audit.program_id == program.id, Audit.cycle == program.cycle, Audit.kind == AuditKind.SURVEILLANCE,
        Audit.state == AuditState.CLOSED)))
    return verified, closed


def unresolved(uow: UnitOfWork, program: Program) -> list[str]:
    """The causes of the program's suspension still unresolved, in words (empty when not suspended)."""
    if program.state != ProgramState.SUSPENDED:
        return []
    verified, closed = _resolution(uow, program)
    return suspension.unresolved_causes(program.suspension_causes, verified, closed)


def lift_suspension(uow: UnitOfWork, program: Program, cert: Certificate | None, *, actor: str,
                    named_only: bool = True) -> str | None:
    """Reinstate a suspended certificate whose every cause is resolved; None when it stays suspended.

    `named_only`: a suspension recorded without its causes (before they were kept) is not lifted here;
    holding the missed surveillance audit lifts it (services.audits.close_audit passes False).
    """
    if (program.state != ProgramState.SUSPENDED or (named_only and not program.suspension_causes)
            or unresolved(uow, program)):
        return None
    causes = list(program.suspension_causes)
    uow.transition(program, PROGRAM, program, "reinstate", row_ref="program", actor=actor,
                   check=program_guards(uow, program), payload={"resolved": causes})
    program.suspended_from = None
    program.suspended_on = None
    program.suspension_causes = []
    uow.session.add(program)
    if cert is not None:
        cert.status = "active"
        uow.session.add(cert)
    return f"suspension lifted: {', '.join(causes) or 'its cause'} resolved"


def lift_when_verified(uow: UnitOfWork, program_id: int, nc_ref: str, *, actor: str) -> str | None:
    """After `nc_ref` is verified: lift the program's suspension if that resolved its last cause."""
    program = uow.session.get_one(Program, program_id)
    if program.state != ProgramState.SUSPENDED or nc_ref not in program.suspension_causes:
        return None
    from aimsflow.services.certification import current_certificate

    return lift_suspension(uow, program, current_certificate(uow.session, program), actor=actor)


def withdraw_certificate(uow: UnitOfWork, program: Program, cert: Certificate | None, *, actor: str) -> str | None:
    """Withdraw a certificate whose suspension stayed unresolved past the program's limit; None otherwise."""
    left = unresolved(uow, program)
    if not suspension.withdrawal_due(program.suspended_on, uow.today(program), program.suspension_limit_months, left):
        return None
    assert program.suspended_on is not None
    limit = suspension.withdrawal_date(program.suspended_on, program.suspension_limit_months)
    uow.transition(program, PROGRAM, program, "withdraw", row_ref="program", actor=actor,
                   payload={"causes": list(program.suspension_causes), "suspended_on": program.suspended_on,
                            "limit": limit, "unresolved": left})
    if cert is not None:
        cert.status = "withdrawn"
        uow.session.add(cert)
    uow.session.add(program)
    return (f"certificate withdrawn: suspended on {program.suspended_on} and not resolved by {limit} "
            f"({'; '.join(left)})")


def overdue_majors(uow: UnitOfWork, program: Program, today: date) -> list[str]:
    """The program's majors past their verification deadline and unverified: each a cause to suspend."""
    rows = uow.session.exec(select(Nonconformity, Finding.source).join(
        Finding, Finding.id == Nonconformity.finding_id).where(  # type: ignore[arg-type]
        Nonconformity.program_id == program.id, Nonconformity.severity == Severity.MAJOR,
        col(Nonconformity.verify_by) < today).order_by(col(Nonconformity.id)))
    facts = [NonconformityFacts(f"NC-{nc.id}", nc.severity, nc.state, source, nc.state in VERIFIED, False,
                                nc.verify_by) for nc, source in rows]
    return suspension.majors_past_deadline(facts, today)


def check_suspension(uow: UnitOfWork, program: Program, cert: Certificate, *, actor: str) -> list[str]:
    """Lift a resolved suspension, withdraw one past its limit, or suspend for majors past their deadline."""
    if program.state == ProgramState.SUSPENDED:
        done = lift_suspension(uow, program, cert, actor=actor) or withdraw_certificate(uow, program, cert,
                                                                                         actor=actor)
        return [done] if done else []
    if program.state in HOLDS_CERTIFICATE and (majors := overdue_majors(uow, program, uow.today(program))):
        return [suspend_certificate(uow, program, cert, majors, actor=actor)]
    return []


def suspension_view(program: Program) -> dict[str, Any] | None:
    """A suspension as `status` shows it: its causes, since when, and the day it ends in withdrawal."""
    if program.state != ProgramState.SUSPENDED or program.suspended_on is None:
        return None
    return {"causes": list(program.suspension_causes),
            "cause": "; ".join(suspension.describe(c) for c in program.suspension_causes),
            "since": program.suspended_on.isoformat(),
            "limit_months": program.suspension_limit_months,
            "withdrawn_unless_resolved_by": suspension.withdrawal_date(
                program.suspended_on, program.suspension_limit_months).isoformat()}
