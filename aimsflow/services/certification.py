"""The certification decision and the three-year cycle: expiry, surveillance, lapse and restoration."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from aimsflow.errors import Refused
from aimsflow.rules import certification_cycle
from aimsflow.services.phases import close_phase_record, program_guards
from aimsflow.uow import UnitOfWork
from models import Audit, Certificate, Program
from states.audit import AuditKind, AuditState
from states.program import PROGRAM, ProgramState


def current_certificate(session: Session, program: Program) -> Certificate | None:
    return session.exec(select(Certificate).where(Certificate.program_id == program.id)
                        .order_by(col(Certificate.cycle).desc())).first()


def _decision_audit(uow: UnitOfWork, program: Program, kind: str) -> Audit | None:
    return uow.session.exec(select(Audit).where(
        Audit.program_id == program.id, Audit.cycle == program.cycle, Audit.kind == kind,
        Audit.state == AuditState.CLOSED).order_by(col(Audit.end_date).desc())).first()


def certify(uow: UnitOfWork, program: Program, *, decision_date: date, actor: str = "cli") -> dict[str, Any]:
    """Record the CB's decision: the first certificate, or a recertification extending the old expiry."""
    recert = program.state in (ProgramState.RECERTIFICATION, ProgramState.LAPSED)
    kind = AuditKind.RECERTIFICATION if recert else AuditKind.STAGE_2
    audit = _decision_audit(uow, program, kind)
    if audit is not None and decision_date < audit.end_date:
        raise Refused(f"decision date {decision_date} is before the {kind} audit ended ({audit.end_date})",
                      state=program.state)
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
        hint = {
            ProgramState.CERTIFICATION_STAGE_1: "Stage 1 and Stage 2 come first",
            ProgramState.CERTIFICATION_STAGE_2: "close the Stage 2 audit first",
        }.get(ProgramState(program.state), "a decision follows Stage 2 or a recertification audit")
        raise Refused(f"no certification decision for {program.key} in state {program.state}: {hint}",
                      state=program.state)
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


def cycle_plan(uow: UnitOfWork, program: Program, cert: Certificate) -> dict[str, Any]:
    s1 = uow.session.exec(select(Audit).where(
        Audit.program_id == program.id, Audit.cycle == program.cycle, Audit.kind == AuditKind.SURVEILLANCE,
        Audit.sequence == 1, Audit.state == AuditState.CLOSED)).first()
    w = certification_cycle.plan_cycle(cert.decision_date, s1.end_date if s1 else None)
    return {"decision_date": cert.decision_date.isoformat(), "expiry": cert.expiry.isoformat(),
            "surveillance_1_due": w.surveillance_1_due.isoformat(),
            "surveillance_2_window": [w.surveillance_2_window[0].isoformat(), w.surveillance_2_window[1].isoformat()],
            "recertification_due": cert.expiry.isoformat(),
            "restorable_until": certification_cycle.restorable_until(
                cert.expiry, program.new_stage_2_after_months).isoformat(),
            "certificate_status": cert.status}


def check_cycle(uow: UnitOfWork, program: Program, *, actor: str = "cycle-check") -> list[str]:
    """Apply the dates: lapse an expired certificate, suspend on a missed surveillance, demand a new Stage 2.

    Impact assessments whose planned interval comes due are reassessed from here too: every daily
    check (the certification-cycle flow, `cycle check`, a moved simulated clock) runs this.
    """
    from aimsflow.services.impact_intervals import reassess_on_interval

    today = uow.today(program)
    done: list[str] = reassess_on_interval(uow, program, actor=actor)
    state = ProgramState(program.state)
    cert = current_certificate(uow.session, program)
    if state is ProgramState.CERTIFICATION_RESOLUTION:
        facts_missing = program_guards(uow, program)("decision_allowed")
        if any("new Stage 2" in m for m in facts_missing):
            uow.transition(program, PROGRAM, program, "require_new_stage_2", row_ref="program", actor=actor)
            done.append("a major stayed unverified too long after Stage 2: a new Stage 2 is required")
        return done
    if cert is None:
        return done
    holds = state in (ProgramState.CERTIFIED, ProgramState.SURVEILLANCE_1, ProgramState.SURVEILLANCE_2,
                      ProgramState.RECERTIFICATION, ProgramState.SUSPENDED)
    if holds and today > cert.expiry:
        uow.transition(program, PROGRAM, program, "lapse", row_ref="program", actor=actor,
                       payload={"expiry": cert.expiry})
        cert.status = "lapsed"
        uow.session.add(cert)
        done.append(f"certificate expired on {cert.expiry}: lapsed (restorable until "
                    f"{certification_cycle.restorable_until(cert.expiry, program.new_stage_2_after_months)})")
        return done
    plan = cycle_plan(uow, program, cert)
    missed = None
    if state is ProgramState.CERTIFIED and today > date.fromisoformat(plan["surveillance_1_due"]):
        missed = "surveillance 1"
    elif state is ProgramState.SURVEILLANCE_1 and today > date.fromisoformat(plan["surveillance_2_window"][1]):
        missed = "surveillance 2"
    if missed:
        program.suspended_from = program.state
        uow.transition(program, PROGRAM, program, "suspend", row_ref="program", actor=actor,
                       payload={"missed": missed})
        cert.status = "suspended"
        uow.session.add(cert)
        done.append(f"{missed} audit missed: certificate suspended")
    return done
