"""The certification calendar: each three-year cycle with its windows, and the audits held in them."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from aimsflow.reports.common import Data, day, header
from aimsflow.reports.timeline import Bar, Point, Row, chart
from aimsflow.rules import certification_cycle
from aimsflow.services.certification import cycle_plan
from aimsflow.uow import UnitOfWork
from models import Audit, Certificate, Nonconformity, Program


def _windows(uow: UnitOfWork, program: Program, cert: Certificate, audits: list[Audit]) -> Data:
    """The cycle's dates: the current cycle's from services.certification.cycle_plan, earlier ones alike."""
    if cert.cycle == program.cycle:
        return cycle_plan(uow, program, cert)
    s1 = next((a for a in audits if a.kind == "surveillance" and a.sequence == 1 and a.state == "closed"), None)
    w = certification_cycle.plan_cycle(cert.decision_date, s1.end_date if s1 else None, expiry=cert.expiry,
                                       restore_months=program.restoration_window_months)
    return {"decision_date": cert.decision_date.isoformat(), "expiry": cert.expiry.isoformat(),
            "surveillance_1_due": w.surveillance_1_due.isoformat(),
            "surveillance_2_window": [w.surveillance_2_window[0].isoformat(), w.surveillance_2_window[1].isoformat()],
            "recertification_due": cert.expiry.isoformat(), "restorable_until": w.restorable_until.isoformat(),
            "certificate_status": cert.status}


def _window_status(done: list[Audit], first: str | None, last: str, today: str) -> str:
    if any(a.state == "closed" and (first is None or a.end_date.isoformat() >= first)
           and a.end_date.isoformat() <= last for a in done):
        return "done"
    if any(a.state == "closed" for a in done):
        return "done late"
    if done:
        return "scheduled"
    return "missed" if today > last else ("open" if first is None or today >= first else "upcoming")


def compile_certification_calendar(uow: UnitOfWork, program: Program) -> Data:
    """Every certificate's cycle: decision, surveillance windows, recertification, expiry, restoration."""
    head = header(uow, program, "Certification calendar", "the three-year cycle (ISO/IEC 17021-1, ISO/IEC 42006)")
    today = uow.today(program)
    audits = list(uow.session.exec(select(Audit).where(Audit.program_id == program.id).order_by(col(Audit.id))))
    cycles, rows = [], []
    for cert in uow.session.exec(select(Certificate).where(Certificate.program_id == program.id)
                                 .order_by(col(Certificate.cycle))):
        mine = [a for a in audits if a.cycle == cert.cycle]
        w = _windows(uow, program, cert, mine)
        s1 = [a for a in mine if a.kind == "surveillance" and a.sequence == 1]
        s2 = [a for a in mine if a.kind == "surveillance" and a.sequence == 2]
        recert = [a for a in mine if a.kind == "recertification"]
        t = head["generated"]
        windows = [
            {"name": "certificate valid", "from": w["decision_date"], "to": w["expiry"],
             "status": w["certificate_status"], "audits": []},
            {"name": "surveillance audit 1 (no later than 12 months after the decision)", "from": w["decision_date"],
             "to": w["surveillance_1_due"], "status": _window_status(s1, None, w["surveillance_1_due"], t),
             "audits": [f"AUD-{a.id}" for a in s1]},
            {"name": "surveillance audit 2 (the following calendar year)", "from": w["surveillance_2_window"][0],
             "to": w["surveillance_2_window"][1],
             "status": _window_status(s2, w["surveillance_2_window"][0], w["surveillance_2_window"][1], t),
             "audits": [f"AUD-{a.id}" for a in s2]},
            {"name": "recertification audit and decision (before expiry)", "from": None, "to": w["recertification_due"],
             "status": _window_status(recert, None, w["recertification_due"], t),
             "audits": [f"AUD-{a.id}" for a in recert]},
            {"name": "restoration if lapsed", "from": w["expiry"], "to": w["restorable_until"],
             "status": "lapsed" if cert.status == "lapsed" else "not needed" if cert.status == "superseded" else "—",
             "audits": []},
        ]
        cycles.append({"cycle": cert.cycle, "status": cert.status, "windows": windows,
                       "audits": [{"id": f"AUD-{a.id}", "kind": a.kind, "sequence": a.sequence, "state": a.state,
                                   "start": day(a.start_date, program), "end": day(a.end_date, program)}
                                  for a in mine if a.kind in ("surveillance", "recertification")]})
        d = date.fromisoformat
        s2_from, s2_to = w["surveillance_2_window"]
        rows += [
            Row(f"cycle {cert.cycle}: certificate", bars=[Bar(cert.decision_date, cert.expiry, "validity",
                                                              f"valid {cert.decision_date} to {cert.expiry}")],
                points=[Point(cert.decision_date, "decision", f"decision {cert.decision_date}")]),
            Row(f"cycle {cert.cycle}: surveillance 1", bars=[Bar(cert.decision_date, d(w["surveillance_1_due"]),
                                                                 "window", f"due by {w['surveillance_1_due']}")],
                points=[Point(a.start_date, "audit", f"AUD-{a.id} on {a.start_date}") for a in s1]),
            Row(f"cycle {cert.cycle}: surveillance 2", bars=[Bar(d(s2_from), d(s2_to), "window",
                                                                 f"window {s2_from} to {s2_to}")],
                points=[Point(a.start_date, "audit", f"AUD-{a.id} on {a.start_date}") for a in s2]),
            Row(f"cycle {cert.cycle}: recertification", points=[
                Point(cert.expiry, "deadline", f"decided before {cert.expiry}"),
                *(Point(a.start_date, "audit", f"AUD-{a.id} on {a.start_date}") for a in recert)]),
            Row(f"cycle {cert.cycle}: restoration", bars=[Bar(cert.expiry, d(w["restorable_until"]), "restoration",
                                                              f"restorable until {w['restorable_until']}")]),
        ]
    before = [{"id": f"AUD-{a.id}", "kind": a.kind, "state": a.state, "start": day(a.start_date, program),
               "end": day(a.end_date, program)} for a in audits if a.cycle == 1 and a.kind in ("stage1", "stage2")]
    stage_1 = [a for a in audits if a.kind == "stage1" and a.state == "closed"]
    majors = [{"id": f"NC-{nc.id}", "verify_by": day(nc.verify_by, program), "state": nc.state}
              for nc in uow.session.exec(select(Nonconformity).where(
                  Nonconformity.program_id == program.id, col(Nonconformity.verify_by).is_not(None))
                  .order_by(col(Nonconformity.id)))]
    return {
        "header": head, "cycles": cycles, "initial_audits": before, "major_deadlines": majors,
        "stage_2_latest_start": day(certification_cycle.stage_2_latest_start(
            stage_1[-1].end_date, program.stage_1_to_stage_2_months), program) if stage_1 else None,
        "settings": {"major_verification_days": program.major_verification_days,
                     "new_stage_2_after_months": program.new_stage_2_after_months,
                     "restoration_window_months": program.restoration_window_months,
                     "stage_1_to_stage_2_months": program.stage_1_to_stage_2_months},
        "chart": chart(rows, today) if rows else None,
    }
