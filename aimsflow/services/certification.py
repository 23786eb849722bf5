"""The certification decision and the three-year cycle: expiry, surveillance, lapse and restoration."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from aimsflow.errors import Hint, Refused
from aimsflow.rules import certification_cycle
from aimsflow.rules.certification_cycle import CyclePlan, CycleWindows
from aimsflow.rules.gates import new_stage_2_to_hold
from aimsflow.rules.suspension import surveillance_cause
from aimsflow.services.facts import load_facts
from aimsflow.services.phases import close_phase_record, program_guards
from aimsflow.services.suspension import check_suspension, suspend_certificate
from aimsflow.uow import UnitOfWork
from models import Audit, Certificate, Program
from states.audit import AuditKind, AuditState
from states.program import HOLDS_CERTIFICATE, PROGRAM, ProgramState


def current_certificate(session: Session, program: Program) -> Certificate | None:
    """The program's certificate of its latest cycle, or None before the first decision."""
    return session.exec(select(Certificate).where(Certificate.program_id == program.id)
                        .order_by(col(Certificate.cycle).desc())).first()


def _decision_audit(uow: UnitOfWork, program: Program, kind: str) -> Audit | None:
    return uow.session.exec(select(Audit).where(
        Audit.program_id == program.id, Audit.cycle == program.cycle, Audit.kind == kind,
        Audit.state == AuditState.CLOSED).order_by(col(Audit.end_date).desc())).first()


# Asked for a decision too early: what comes first, and the step that does it (each layer words the step).
BEFORE_THE_DECISION: dict[ProgramState, tuple[str, Hint | None]] = {
    ProgramState.CERTIFICATION_STAGE_1: ("Stage 1 and Stage 2 come first", None),
    ProgramState.CERTIFICATION_STAGE_2: ("close the Stage 2 audit first", "close_audit"),
}


def certify(uow: UnitOfWork, program: Program, *, decision_date: date, actor: str = "cli") -> dict[str, Any]:
    """Record the CB's decision: the first certificate, or a recertification extending the old expiry."""
    recert = program.state in (ProgramState.RECERTIFICATION, ProgramState.LAPSED)
    kind = AuditKind.RECERTIFICATION if recert else AuditKind.STAGE_2
    audit = _decision_audit(uow, program, kind)
    if audit is not None and decision_date < audit.end_date:
        raise Refused(f"{decision_date} is before the {kind} audit ended ({audit.end_date})",
                      state=program.state, field="decision_date")
    previous = current_certificate(uow.session, program)
    if recert and program.state == ProgramState.LAPSED:
        assert previous is not None
        expiry = certification_cycle.certificate_expiry(previous.expiry)
    elif recert:
        assert previous is not None
        expiry = certification_cycle.recertification_expiry(previous.expiry, decision_date)
    else:
        expiry = certification_cycle.certificate_expiry(decision_date)
    # A lapsed certificate is restored (within the limit) once the recertification work is done.
    trigger = "restore" if program.state == ProgramState.LAPSED else "recertify" if recert else "certify"
    if program.state not in (ProgramState.CERTIFICATION_RESOLUTION, ProgramState.RECERTIFICATION,
                             ProgramState.LAPSED):
        first, hint = BEFORE_THE_DECISION.get(ProgramState(program.state),
                                              ("a decision follows Stage 2 or a recertification audit", None))
        if program.state == ProgramState.CERTIFICATION_STAGE_2 and (
                hold := new_stage_2_to_hold(load_facts(uow.session, program, uow.today(program)))):
            first, hint = hold[0], "schedule_audit"
        raise Refused(f"no certification decision for {program.key} in state {program.state}: {first}",
                      state=program.state, hint=hint, program=program.key)
    uow.transition(program, PROGRAM, program, trigger, row_ref="program", actor=actor,
                   check=program_guards(uow, program),
                   payload={"decision_date": decision_date, "expiry": expiry})
    if recert:
        assert previous is not None
        previous.status = "superseded"
        uow.session.add(previous)
        close_phase_record(uow, program, ProgramState.RECERTIFICATION.value)
        program.cycle += 1
    else:
        close_phase_record(uow, program, ProgramState.CERTIFICATION_STAGE_1.value)
    cert = Certificate(program_id=program.id, cycle=program.cycle, decision_date=decision_date,  # type: ignore[arg-type]
                       expiry=expiry)
    uow.session.add(cert)
    uow.session.add(program)
    return {"program": program.key, "state": program.state, "cycle": program.cycle,
            **cycle_plan(uow, program, cert)}


def _surveillance_1_done_on(uow: UnitOfWork, program: Program) -> date | None:
    return uow.session.exec(select(col(Audit.end_date)).where(
        Audit.program_id == program.id, Audit.cycle == program.cycle, Audit.kind == AuditKind.SURVEILLANCE,
        Audit.sequence == 1, Audit.state == AuditState.CLOSED)).first()


def plan_for(uow: UnitOfWork, program: Program, cert: Certificate | None = None, *,
             decision_facts: bool = True) -> CyclePlan:
    """The program's cycle facts today (its current certificate unless `cert` is given)."""
    cert = cert or current_certificate(uow.session, program)
    state = ProgramState(program.state)
    today = uow.today(program)
    # Only a program waiting for its decision can need a new Stage 2: the facts are loaded for it alone.
    new_stage_2 = (decision_facts and state is ProgramState.CERTIFICATION_RESOLUTION
                   and load_facts(uow.session, program, today).new_stage_2_required)
    return certification_cycle.plan_certification_cycle(
        state, today, decision=cert.decision_date if cert else None, expiry=cert.expiry if cert else None,
        surveillance_1_done_on=_surveillance_1_done_on(uow, program) if cert else None,
        new_stage_2_required=new_stage_2, preparation_lead_days=program.preparation_lead_days,
        restore_months=program.restoration_window_months)


def cycle_windows(uow: UnitOfWork, program: Program, cert: Certificate) -> CycleWindows:
    """The certificate's cycle dates, typed: decision, expiry, surveillance windows, restoration."""
    w = plan_for(uow, program, cert, decision_facts=False).windows
    assert w is not None
    return w


def cycle_plan(uow: UnitOfWork, program: Program, cert: Certificate) -> dict[str, Any]:
    """The certificate's cycle dates as plain data (ISO dates), for commands and reports."""
    w = cycle_windows(uow, program, cert)
    return {"decision_date": w.decision.isoformat(), "expiry": w.expiry.isoformat(),
            "surveillance_1_due": w.surveillance_1_due.isoformat(),
            "surveillance_2_window": [w.surveillance_2_window[0].isoformat(), w.surveillance_2_window[1].isoformat()],
            "recertification_due": w.recertification_due.isoformat(),
            "restorable_until": w.restorable_until.isoformat(),
            "certificate_status": cert.status}


def check_cycle(uow: UnitOfWork, program: Program, *, actor: str = "cycle-check") -> list[str]:
    """Apply the dates: demand a new Stage 2, lift or withdraw a suspension, lapse an expired certificate,
    suspend on a missed surveillance or a major past its verification deadline.

    The decisions are the booleans of the program's `CyclePlan`; the daily check
    (services.daily_check) runs this after the deadline sweep.
    """
    plan = plan_for(uow, program)
    done: list[str] = []
    if plan.new_stage_2_required:
        uow.transition(program, PROGRAM, program, "require_new_stage_2", row_ref="program", actor=actor)
        done.append("a major stayed unverified too long after Stage 2: a new Stage 2 is required")
        return done
    cert = current_certificate(uow.session, program) if plan.windows else None
    if cert is None or plan.windows is None:
        return done
    # A suspension resolved is lifted, one past its limit withdraws the certificate (final).
    if program.state == ProgramState.SUSPENDED and (moved := check_suspension(uow, program, cert, actor=actor)):
        done += moved
        if program.state == ProgramState.WITHDRAWN:
            return done
    if plan.lapses:
        uow.transition(program, PROGRAM, program, "lapse", row_ref="program", actor=actor,
                       payload={"expiry": cert.expiry})
        cert.status = "lapsed"
        uow.session.add(cert)
        done.append(f"certificate expired on {cert.expiry}: lapsed (restorable until "
                    f"{plan.windows.restorable_until})")
        return done
    if plan.missed_surveillance is not None:
        done.append(suspend_certificate(uow, program, cert, [surveillance_cause(plan.missed_surveillance)],
                                        actor=actor))
    elif program.state in HOLDS_CERTIFICATE:  # a major raised at surveillance or recertification past its deadline
        done += check_suspension(uow, program, cert, actor=actor)
    return done
