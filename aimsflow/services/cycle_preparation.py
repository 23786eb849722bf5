"""Preparing the next audit of the certification cycle ahead of time (the program's lead time).

From the decision date the cycle has fixed dates: surveillance 1 within 12 months, surveillance 2
in the following calendar year, recertification before expiry. `preparation_lead_days` before the
next of them, its preparation work opens once (keyed by cycle and audit).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from aimsflow.rules import working_days
from aimsflow.services import work
from aimsflow.services.certification import current_certificate, cycle_plan, plan_for
from aimsflow.uow import UnitOfWork
from models import Audit, Program

TASKS = (
    ("schedule", "program-manager", "Agree the {what} dates with the certification body (due by {due})"),
    ("evidence", "program-manager", "Refresh the evidence portfolio for the {what} (due by {due})"),
    ("review", "top-management", "Confirm management review and internal audit results are current for the {what}"),
)


def open_cycle_preparation(uow: UnitOfWork, program: Program, *, actor: str = "certification-cycle") -> dict[str, Any]:
    """Open the preparation work of the next cycle audit once it is within the lead time."""
    result: dict[str, Any] = {"program": program.key, "plan": None, "next": None, "opened": []}
    cert = current_certificate(uow.session, program)
    if cert is None:
        return result
    result["plan"] = cycle_plan(uow, program, cert)
    facts = plan_for(uow, program, cert, decision_facts=False)
    upcoming = facts.next_audit
    if upcoming is None:
        return result
    result["next"] = {"audit": upcoming.label, "latest": upcoming.latest.isoformat(),
                      "preparation_opens": upcoming.preparation_opens.isoformat()}
    scheduled = uow.session.exec(select(Audit.id).where(
        Audit.program_id == program.id, Audit.cycle == program.cycle, Audit.kind == upcoming.kind,
        Audit.sequence == upcoming.sequence)).first()
    if not facts.preparation_due or scheduled is not None:
        return result
    today = facts.today
    what = upcoming.label.replace("-", " ") + " audit"
    due = working_days.next_working_day(max(today + timedelta(days=7), upcoming.latest - timedelta(
        days=program.preparation_lead_days // 2)), program.country)
    for step, role, title in TASKS:
        item = work.open_item(uow, program, key=f"prepare:{program.cycle}:{upcoming.label}:{step}",
                              kind="deliverable", subject="9.2",
                              title=title.format(what=what, due=upcoming.latest.isoformat()), role=role,
                              due=due, phase=program.state, actor=actor)
        if item:
            result["opened"].append(item)
    return result
