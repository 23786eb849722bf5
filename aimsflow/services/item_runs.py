"""The Prefect runs a work item waits in, as the item remembers them: review runs, and runs that were lost.

An active item waits in its owner's run (`owner_run_id`); a submitted one with a reviewer in its
reviewer's run (`review_run_id`). A run cancelled, crashed, failed or deleted in Prefect is
released here (the id cleared, a `run_replaced` event in the trail) so that the next start makes a
new one. The run ids are Prefect's; which state a run is in is for the flows to read.
"""

from __future__ import annotations

from typing import Literal

from sqlmodel import col, func, select

from aimsflow.services.lookup import get_by_ref, person_name, ref
from aimsflow.services.notifications import notify_assignment, notify_review
from aimsflow.uow import UnitOfWork
from models import Event, Person, Program, WorkItem
from states.work_item import ACTIVE, WorkItemState

RunKind = Literal["owner", "review"]
# The events after which an item's next run is a new one (its creation key changes with their count).
NEW_RUN_AFTER = ("assign", "submit", "reject", "run_replaced")


def items_awaiting_review_run(uow: UnitOfWork, program: Program) -> list[str]:
    """Submitted items with a reviewer and no review run yet."""
    query = select(WorkItem.id).where(
        WorkItem.program_id == program.id, WorkItem.state == WorkItemState.SUBMITTED,
        WorkItem.reviewer_id != None, WorkItem.review_run_id == None)  # noqa: E711
    return [f"WI-{i}" for i in uow.session.exec(query.order_by(col(WorkItem.id)))]


def review_run_name(uow: UnitOfWork, item_ref: str) -> tuple[str, list[str]]:
    """The review run's name "<program> · <item> · review by <reviewer>" and its tags."""
    item = get_by_ref(uow.session, item_ref, WorkItem)
    program = uow.session.get_one(Program, item.program_id)
    reviewer = person_name(uow.session, item.reviewer_id) or "nobody"
    name = f"{program.key} · {ref(item)} · review by {reviewer}"
    return name, [f"reviewer:{reviewer}", f"program:{program.key}", f"item:{ref(item)}"]


def run_generations(uow: UnitOfWork, program: Program, items: list[str]) -> dict[str, int]:
    """How many times each item was assigned, submitted, rejected or had a run replaced (one query).

    Part of a run's creation key: creating it again after a crash returns the same run, while the
    next run the item needs (after a rejection, a reassignment, a lost run) is a new one.
    """
    if not items:
        return {}
    counts = dict(uow.session.exec(select(Event.row_ref, func.count()).where(
        Event.program_id == program.id, col(Event.row_ref).in_(items),
        col(Event.trigger).in_(NEW_RUN_AFTER)).group_by(col(Event.row_ref))).all())
    return {i: counts.get(i, 0) for i in items}


def record_review_run(uow: UnitOfWork, item_ref: str, run_id: str, run_name: str) -> bool:
    """Remember an item's review run and mail its reviewer; False if another run was recorded first (it wins)."""
    item = get_by_ref(uow.session, item_ref, WorkItem, for_update=True)
    if item.review_run_id and item.review_run_id != run_id:
        return False
    if item.review_run_id == run_id:
        return True
    item.review_run_id = run_id
    uow.session.add(item)
    program = uow.session.get_one(Program, item.program_id)
    reviewer = uow.session.get(Person, item.reviewer_id) if item.reviewer_id else None
    notify_review(uow, program, item, reviewer, run_id=run_id, run_name=run_name)
    return True


def runs_in_flight(uow: UnitOfWork, program: Program) -> list[tuple[str, RunKind, str]]:
    """(item, which run, run id) for every active item's owner run and every submitted item's review run."""
    owner = uow.session.exec(select(WorkItem.id, WorkItem.owner_run_id).where(
        WorkItem.program_id == program.id, col(WorkItem.state).in_([s.value for s in ACTIVE]),
        WorkItem.owner_run_id != None).order_by(col(WorkItem.id)))  # noqa: E711
    runs: list[tuple[str, RunKind, str]] = [(f"WI-{i}", "owner", str(r)) for i, r in owner]
    review = uow.session.exec(select(WorkItem.id, WorkItem.review_run_id).where(
        WorkItem.program_id == program.id, WorkItem.state == WorkItemState.SUBMITTED,
        WorkItem.review_run_id != None).order_by(col(WorkItem.id)))  # noqa: E711
    runs += [(f"WI-{i}", "review", str(r)) for i, r in review]
    return runs


def release_lost_run(uow: UnitOfWork, item_ref: str, which: RunKind, run_id: str, run_state: str, *,
                     actor: str) -> bool:
    """Forget a run that can no longer take the item's form, and say so in the trail; False if already moved on.

    Only when the item still points at that run and still waits in it: a run that finished the item
    at the same moment is left alone.
    """
    item = get_by_ref(uow.session, item_ref, WorkItem, for_update=True)
    column = "owner_run_id" if which == "owner" else "review_run_id"
    waits = item.state in {s.value for s in ACTIVE} if which == "owner" else item.state == WorkItemState.SUBMITTED
    if getattr(item, column) != run_id or not waits:
        return False
    setattr(item, column, None)
    if which == "review":
        item.review_code_hash = None  # the new run's notice brings a new code
    uow.session.add(item)
    program = uow.session.get_one(Program, item.program_id)
    uow.record(program, actor=actor, lifecycle="work_item", row_ref=ref(item), trigger="run_replaced",
               payload={"run": which, "old_run": run_id, "run_state": run_state})
    if which == "owner" and item.assignee_id is not None:  # the mail they have points at the lost run
        notify_assignment(uow, program, item, uow.session.get(Person, item.assignee_id), occasion=f"replaced:{run_id}")
    return True
