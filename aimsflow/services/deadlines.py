"""The deadline sweep: reminders before due, overdue marking, escalation to the PM and then top management.

It reads only the items that are due soon or late (an index on state and due date), so its cost
grows with the due work, not with all work. Every reminder and escalation is an event, keyed so
that a second sweep on the same day repeats nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select

from aimsflow.services.lookup import people_with_role, ref
from aimsflow.services.notifications import enqueue, existing_keys
from aimsflow.uow import UnitOfWork
from models import Person, Program, WorkItem
from states.work_item import ACTIVE, WORK_ITEM, WorkItemState


@dataclass
class SweepResult:
    program: str
    reminders: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    escalations: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"program": self.program, "reminders": self.reminders, "overdue": self.overdue,
                "escalations": self.escalations}


def reminder_offsets(program: Program) -> list[int]:
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
    needs_action = or_(
        col(WorkItem.due_date) >= today,
        col(WorkItem.state).in_([WorkItemState.OPEN.value, WorkItemState.IN_PROGRESS.value,
                                 WorkItemState.REJECTED.value]),
        and_(col(WorkItem.escalation_level) < 1, col(WorkItem.due_date) <= pm_after),
        and_(col(WorkItem.escalation_level) < 2, col(WorkItem.due_date) <= top_after),
    )
    items = list(uow.session.exec(select(WorkItem).where(
        WorkItem.program_id == program.id, col(WorkItem.state).in_([s.value for s in ACTIVE]),
        WorkItem.due_date <= horizon, needs_action).order_by(col(WorkItem.due_date), col(WorkItem.id))))
    if not items:
        return result
    people = {p.id: p for p in uow.session.exec(select(Person).where(Person.program_id == program.id))}
    pms = people_with_role(uow.session, program, "program-manager")
    tops = people_with_role(uow.session, program, "top-management")
    notices: list[tuple[str, str, Person | None, WorkItem, dict[str, object]]] = []
    for item in items:
        rid = ref(item)
        assignee = people.get(item.assignee_id) if item.assignee_id else None
        days_left = (item.due_date - today).days
        if days_left >= 0:
            sent = {int(x) for x in item.reminders_sent.split(",") if x}
            # The nearest offset not yet sent: a sweep that missed a day still reminds once.
            due_offsets = [o for o in offsets if days_left <= o and o not in sent]
            if due_offsets:
                item.reminders_sent = ",".join(str(o) for o in sorted(sent | set(due_offsets), reverse=True))
                uow.session.add(item)
                uow.record(program, actor=actor, lifecycle="work_item", row_ref=rid, trigger="remind",
                           payload={"days_left": days_left, "to": assignee.name if assignee else None})
                notices.append(("reminder", f"remind:{item.id}:{min(due_offsets)}", assignee, item,
                                {"days_left": days_left}))
                result.reminders.append(rid)
            continue
        late = -days_left
        if item.state in (WorkItemState.OPEN, WorkItemState.IN_PROGRESS, WorkItemState.REJECTED):
            uow.transition(program, WORK_ITEM, item, "mark_overdue", row_ref=rid, actor=actor,
                           payload={"days_late": late})
            result.overdue.append(rid)
        level = 0
        if late >= program.escalate_to_pm_after_days:
            level = 1
        if late >= program.escalate_to_top_after_days:
            level = 2
        if level > item.escalation_level:
            to = tops if level == 2 else pms
            item.escalation_level = level
            uow.transition(program, WORK_ITEM, item, "escalate", row_ref=rid, actor=actor,
                           payload={"days_late": late, "level": level,
                                    "to": [p.name for p in to] or ["(no one holds the role)"]})
            audience = "top management" if level == 2 else "program manager"
            for person in to:
                notices.append(("escalation", f"escalate:{item.id}:{level}:{person.id}", person, item,
                                {"days_late": late, "audience": audience,
                                 "assignee": assignee.name if assignee else "nobody"}))
            result.escalations.append(f"{rid}->{'top-management' if level == 2 else 'program-manager'}")
    known = existing_keys(uow, program, [key for _, key, _, _, _ in notices])
    for kind, key, recipient, about, context in notices:
        enqueue(uow, program, kind=kind, key=key, person=recipient, item=about, context=context, known=known)
    return result
