"""Preparing the next audit of the certification cycle ahead of time (the program's lead time).

From the decision date the cycle has fixed dates: surveillance 1 within 12 months, surveillance 2
in the following calendar year, recertification before expiry. `preparation_lead_days` before the
next of them, its preparation work opens once (keyed by cycle and audit).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import select

from aimsflow.rules import working_days
from aimsflow.services import work
from aimsflow.services.certification import current_certificate, cycle_plan
from aimsflow.uow import UnitOfWork
from models import Audit, Program
from states.audit import AuditKind
from states.program import ProgramState

TASKS = (
    ("schedule", "program-manager", "Agree the {what} dates with the certification body (due by {due})"),
    ("evidence", "program-manager", "Refresh the evidence portfolio for the {what} (due by {due})"),
    ("review", "top-management", "Confirm management review and internal audit results are current for the {what}"),
)


def next_cycle_audit(program: Program, plan: dict[str, Any]) -> tuple[str, str, date] | None:
    """(label, audit kind, latest date) of the next audit the cycle requires, or None."""
    state = ProgramState(program.state)
    if state is ProgramState.CERTIFIED:
        return "surveillance-1", AuditKind.SURVEILLANCE.value, date.fromisoformat(plan["surveillance_1_due"])
    if state is ProgramState.SURVEILLANCE_1:
        return "surveillance-2", AuditKind.SURVEILLANCE.value, date.fromisoformat(plan["surveillance_2_window"][1])
    if state is ProgramState.SURVEILLANCE_2:
        return "recertification", AuditKind.RECERTIFICATION.value, date.fromisoformat(plan["recertification_due"])
    return None


def open_cycle_preparation(uow: UnitOfWork, program: Program, *, actor: str = "certification-cycle") -> dict[str, Any]:
    """Open the preparation work of the next cycle audit once it is within the lead time."""
    result: dict[str, Any] = {"program": program.key, "plan": None, "next": None, "opened": []}
    cert = current_certificate(uow.session, program)
    if cert is None:
        return result
    plan = cycle_plan(uow, program, cert)
    result["plan"] = plan
    upcoming = next_cycle_audit(program, plan)
    if upcoming is None:
        return result
    label, kind, latest = upcoming
    today = uow.today(program)
    opens_on = latest - timedelta(days=program.preparation_lead_days)
    result["next"] = {"audit": label, "latest": latest.isoformat(), "preparation_opens": opens_on.isoformat()}
    sequence = 2 if label == "surveillance-2" else 1
    scheduled = uow.session.exec(select(Audit.id).where(
        Audit.program_id == program.id, Audit.cycle == program.cycle, Audit.kind == kind,
        Audit.sequence == sequence)).first()
    if today < opens_on or scheduled is not None:
        return result
    what = label.replace("-", " ") + " audit"
    due = working_days.next_working_day(max(today + timedelta(days=7), latest - timedelta(
        days=program.preparation_lead_days // 2)), program.country)
    for step, role, title in TASKS:
        item = work.open_item(uow, program, key=f"prepare:{program.cycle}:{label}:{step}", kind="deliverable",
                              subject="9.2", title=title.format(what=what, due=latest.isoformat()), role=role,
                              due=due, phase=program.state, actor=actor)
        if item:
            result["opened"].append(item)
    return result
