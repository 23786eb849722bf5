"""Preparing the yearly management review (9.3): inputs assembled from the record, and its work items.

Inputs (a), (d) and (e) come from the database; (b) and (c) need people, so they become work items
beside the review itself (chaired by top management). The review's actions become work items when
it is held (`reviews.hold_review`). Opened once a year per program (keys carry the year), a month
before the last review's anniversary, so a monthly schedule opens each program's review in time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlmodel import col, select

from aimsflow.rules import working_days
from aimsflow.services import work
from aimsflow.services.reviews import assemble_inputs
from aimsflow.uow import UnitOfWork
from models import ManagementReview, Program, WorkItem
from states.program import ProgramState
from states.work_item import ACTIVE

# Before testing and refinement there is no AIMS to review yet; that phase opens the first review.
NOT_YET = {ProgramState.GAP_ANALYSIS.value, ProgramState.FOUNDATION_BUILDING.value,
           ProgramState.CONTROLS_IMPLEMENTATION.value}
DUE_DAYS = 30
OPEN_AFTER_MONTHS = 11  # the next review's work opens a month before the last one's anniversary
ITEMS = (
    ("input-b", "program-manager", "Management review {year}: input (b) changes in external and internal issues"),
    ("input-c", "program-manager", "Management review {year}: input (c) changes in interested parties' needs"),
    ("hold", "top-management", "Chair the {year} management review: decide on improvements and changes, "
                               "each action with an owner and a due date"),
)


def open_management_review(uow: UnitOfWork, program: Program, *, force: bool = False,
                           actor: str = "management-review") -> dict[str, Any]:
    """Assemble inputs (a)-(e) and open the review's work items, unless one was held in the last year."""
    today = uow.today(program)
    year = today.year
    inputs = assemble_inputs(uow, program)
    result: dict[str, Any] = {"program": program.key, "year": year, "inputs": inputs, "opened": [], "skipped": None}
    last = uow.session.exec(select(col(ManagementReview.held_on)).where(
        ManagementReview.program_id == program.id).order_by(col(ManagementReview.held_on).desc())).first()
    pending = uow.session.exec(select(WorkItem.id).where(
        WorkItem.program_id == program.id, col(WorkItem.key).startswith("management-review"),
        col(WorkItem.state).in_([s.value for s in ACTIVE]))).first()
    if not force:
        if program.state in NOT_YET:
            result["skipped"] = f"program is in {program.state}: the first review belongs to testing and refinement"
        elif last is not None and last > today - relativedelta(months=OPEN_AFTER_MONTHS):
            result["skipped"] = (f"a review was held on {last}: the next is due by {last + relativedelta(years=1)}, "
                                 f"its work opens on {last + relativedelta(months=OPEN_AFTER_MONTHS)}")
        elif pending is not None:
            result["skipped"] = f"a review is already being prepared (WI-{pending})"
        if result["skipped"]:
            return result
    due = working_days.next_working_day(today + timedelta(days=DUE_DAYS), program.country)
    for step, role, title in ITEMS:
        item = work.open_item(uow, program, key=f"management-review:{year}:{step}", kind="deliverable",
                              subject="9.3", title=title.format(year=year), role=role, due=due,
                              phase=program.state, actor=actor)
        if item:
            result["opened"].append(item)
    if result["opened"]:
        uow.record(program, actor=actor, lifecycle="management_review", row_ref=f"MR-{year}", trigger="prepare",
                   payload={"inputs": inputs, "items": result["opened"], "last_held": last})
    return result
