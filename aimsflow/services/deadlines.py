"""The deadline sweep: reminders before due, overdue marking, escalation to the PM and then top management.

It reads only the items that are due soon or late (an index on state and due date), so its cost
grows with the due work, not with all work. Every reminder and escalation is an event, keyed so
that a second sweep on the same day repeats nothing.

Several sweepers may run at once (workers of a pool): on PostgreSQL each claims the items it will
write with SELECT ... FOR UPDATE SKIP LOCKED and takes the program's trail head in turn, so every
due item is swept once; on SQLite BEGIN IMMEDIATE lets one writer in at a time. The items' writes,
their events and their notices go out as one multi-row statement each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_
from sqlalchemy import select as sa_select
from sqlmodel import select

from aimsflow.rows import update_versioned_many
from aimsflow.services.notifications import enqueue_many
from aimsflow.uow import UnitOfWork
from models import Person, Program, RoleAssignment, WorkItem
from states.work_item import ACTIVE, WORK_ITEM, WorkItemState

_ITEMS = WorkItem.__table__  # type: ignore[attr-defined]
_ROLE_ROWS = RoleAssignment.__table__  # type: ignore[attr-defined]
# Who holds which role, in person order (as lookup.people_with_role orders them).
_ROLES = (sa_select(_ROLE_ROWS.c.person_id, _ROLE_ROWS.c.role)
          .where(_ROLE_ROWS.c.program_id == bindparam("program_id"))
          .order_by(_ROLE_ROWS.c.person_id, _ROLE_ROWS.c.id))
_Due = Any  # a row of the items query: id, version, state, due_date, assignee_id, reminders_sent, escalation_level
_NOT_YET_OVERDUE = frozenset({WorkItemState.OPEN.value, WorkItemState.IN_PROGRESS.value, WorkItemState.REJECTED.value})
Notice = tuple[str, str, Person | None, int | None, dict[str, Any]]  # kind, key, recipient, item id, context


@dataclass
class SweepResult:
    program: str
    reminders: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"program": self.program, "reminders": self.reminders, "overdue": self.overdue,
                "escalations": self.escalations}


def _level(program: Program, late: int) -> int:
    if late >= program.escalate_to_top_after_days:
        return 2
    return 1 if late >= program.escalate_to_pm_after_days else 0


def _has_work(program: Program, item: _Due, today: date, offsets: list[int]) -> bool:
    """Whether the sweep has to remind, mark or escalate this item today (the loop below does it)."""
    days_left = (item.due_date - today).days
    if days_left >= 0:
        sent = {int(x) for x in item.reminders_sent.split(",") if x}
        return any(days_left <= o and o not in sent for o in offsets)
    return item.state in _NOT_YET_OVERDUE or _level(program, -days_left) > item.escalation_level


def _claim(uow: UnitOfWork, items: list[_Due]) -> list[_Due]:
    """Lock the items this sweep will write, skipping those another sweeper holds (SELECT ... FOR UPDATE
    SKIP LOCKED) and those changed since they were read: every due item is swept by one sweeper once.
    Only rows with work are locked, so a sweep with nothing to do writes nothing (not even row locks)."""
    w = _ITEMS
    claimed: set[tuple[int, int]] = set()
    for start in range(0, len(items), 1000):
        ids = [i.id for i in items[start:start + 1000]]
        claimed.update(uow.connection.execute(
            sa_select(w.c.id, w.c.version).where(w.c.id.in_(ids)).with_for_update(skip_locked=True)).all())
    return [i for i in items if (i.id, i.version) in claimed]


def reminder_offsets(program: Program) -> list[int]:
    """The program's reminder days before due, largest first (14, 7, 1)."""
    return sorted({int(x) for x in program.reminder_days.split(",") if x.strip().isdigit()}, reverse=True)


def sweep_deadlines(uow: UnitOfWork, program: Program, *, actor: str = "deadline-sweep") -> SweepResult:
    """Send due reminders, mark late work overdue and escalate it; safe to run more than once a day."""
    today = uow.today(program)
    offsets = reminder_offsets(program)
    horizon = today + timedelta(days=max(offsets, default=0))
    pm_after = today - timedelta(days=program.escalate_to_pm_after_days)
    top_after = today - timedelta(days=program.escalate_to_top_after_days)
    result = SweepResult(program.key)
    # Only rows with something to do: upcoming (reminders), newly late, or late enough for a higher
    # escalation. Fully escalated items are not read again, so the cost follows the due work.
    w = _ITEMS
    needs_action = or_(
        w.c.due_date >= today,
        w.c.state.in_([WorkItemState.OPEN.value, WorkItemState.IN_PROGRESS.value, WorkItemState.REJECTED.value]),
        and_(w.c.escalation_level < 1, w.c.due_date <= pm_after),
        and_(w.c.escalation_level < 2, w.c.due_date <= top_after),
    )
    query = (sa_select(w.c.id, w.c.version, w.c.state, w.c.due_date, w.c.assignee_id, w.c.reminders_sent,
                    w.c.escalation_level)
             .where(w.c.program_id == program.id, w.c.state.in_([s.value for s in ACTIVE]), w.c.due_date <= horizon,
                    needs_action)
             .order_by(w.c.due_date, w.c.id))
    items = [i for i in uow.connection.execute(query) if _has_work(program, i, today, offsets)]
    if uow.chain.locks:
        items = _claim(uow, items)
    if not items:
        return result
    people = {p.id: p for p in uow.session.exec(select(Person).where(Person.program_id == program.id))}
    holders: dict[str, list[Person]] = {}
    for person_id, role in uow.connection.execute(_ROLES, {"program_id": program.id}):
        holders.setdefault(role, []).append(people[person_id])
    pms, tops = holders.get("program-manager", []), holders.get("top-management", [])
    notices: list[Notice] = []
    changes: list[tuple[int, int, dict[str, Any]]] = []
    for item in items:
        rid = f"WI-{item.id}"
        assignee = people.get(item.assignee_id) if item.assignee_id else None
        days_left = (item.due_date - today).days
        if days_left >= 0:
            sent = {int(x) for x in item.reminders_sent.split(",") if x}
            # The nearest offset not yet sent: a sweep that missed a day still reminds once.
            due_offsets = [o for o in offsets if days_left <= o and o not in sent]
            if due_offsets:
                reminders = ",".join(str(o) for o in sorted(sent | set(due_offsets), reverse=True))
                changes.append((item.id, item.version, {"reminders_sent": reminders}))
                uow.record(program, actor=actor, lifecycle="work_item", row_ref=rid, trigger="remind",
                           payload={"days_left": days_left, "to": assignee.name if assignee else None})
                notices.append(("reminder", f"remind:{item.id}:{min(due_offsets)}", assignee, item.id,
                                {"days_left": days_left}))
                result.reminders.append(rid)
            continue
        late = -days_left
        state = item.state
        if state in _NOT_YET_OVERDUE:
            state = uow.fire(program, WORK_ITEM, state, "mark_overdue", row_ref=rid, actor=actor,
                             payload={"days_late": late})
            result.overdue.append(rid)
        level = _level(program, late)
        # Each level not yet reached is escalated, in order: a sweep that first runs after both thresholds
        # have passed (a missed day, a moved clock) still tells the program manager, once, before top management.
        for step in range(item.escalation_level + 1, level + 1):
            to = tops if step == 2 else pms
            state = uow.fire(program, WORK_ITEM, state, "escalate", row_ref=rid, actor=actor,
                             payload={"days_late": late, "level": step,
                                      "to": [p.name for p in to] or ["(no one holds the role)"]})
            audience = "top management" if step == 2 else "program manager"
            for person in to:
                notices.append(("escalation", f"escalate:{item.id}:{step}:{person.id}", person, item.id,
                                {"days_late": late, "audience": audience,
                                 "assignee": assignee.name if assignee else "nobody"}))
            result.escalations.append(f"{rid}->{'top-management' if step == 2 else 'program-manager'}")
        if state != item.state or level > item.escalation_level:
            changes.append((item.id, item.version,
                            {"state": state, "escalation_level": max(level, item.escalation_level)}))
    # One statement per kind of change (and one for the events, one for the notices): the sweep's
    # cost follows the due items, with few round trips.
    update_versioned_many(uow.session, WorkItem, changes)
    enqueue_many(uow, program, notices)
    return result
