"""The program manager's view of a program: one read, plain data, for the `<key>-progress` artifact.

It reuses the status read (the phase and what its gate still lacks, asked of the gate's rule there)
and the calendar (the next audit), and adds the work by state and by owner, the late and escalated
items, and how many open items are due before that audit.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlmodel import col, select

from aimsflow.services.calendar import calendar_entries
from aimsflow.services.lookup import ref
from aimsflow.services.status import program_status
from aimsflow.uow import UnitOfWork
from models import Person, Program, WorkItem
from states.work_item import ACTIVE

AUDIT_ENTRIES = ("/audit/", "/surveillance-", "/expiry@")  # calendar entries that are (or bound) audits


def _next_audit(uow: UnitOfWork, program: Program, today: date) -> dict[str, Any] | None:
    upcoming = sorted((e for e in calendar_entries(uow, program)
                       if any(part in e.uid for part in AUDIT_ENTRIES) and e.end > today),
                      key=lambda e: e.start)
    if not upcoming:
        return None
    entry = upcoming[0]
    return {"what": entry.summary, "start": entry.start.isoformat(), "days": (entry.start - today).days}


def program_progress(uow: UnitOfWork, program: Program) -> dict[str, Any]:
    """Where a program stands for its manager: phase, gate, work by state and owner, late and escalated work,
    the next audit and the open work due before it."""
    status = program_status(uow, program)
    today = uow.today(program)
    names = dict(uow.session.exec(select(Person.id, Person.name).where(Person.program_id == program.id)).all())
    active = {s.value for s in ACTIVE}
    items = list(uow.session.exec(select(WorkItem).where(WorkItem.program_id == program.id)
                                  .order_by(col(WorkItem.due_date), col(WorkItem.id))))
    by_owner: dict[str, Counter[str]] = {}
    late, escalated = [], []
    for item in items:
        owner = names.get(item.assignee_id or 0, "unassigned")
        by_owner.setdefault(owner, Counter())[item.state] += 1
        if item.state not in active:
            continue
        view = {"id": ref(item), "title": item.title, "owner": owner, "due": item.due_date.isoformat(),
                "state": item.state, "days_late": max((today - item.due_date).days, 0),
                "escalation_level": item.escalation_level}
        if item.due_date < today:
            late.append(view)
        if item.escalation_level > 0:
            escalated.append(view)
    audit = _next_audit(uow, program, today)
    if audit is not None:
        before = date.fromisoformat(audit["start"])
        audit["open_items_due_before"] = sum(1 for i in items if i.state in active and i.due_date <= before)
        audit["gate_missing"] = len(status["gate"]["missing"])
    return {
        "key": program.key, "name": program.name, "state": status["state"], "phase": status["phase"],
        "cycle": status["cycle"], "today": status["today"], "gate": status["gate"],
        "by_state": dict(sorted(Counter(i.state for i in items).items())),
        "by_owner": {owner: dict(sorted(states.items())) for owner, states in sorted(by_owner.items())},
        "late": late, "escalated": escalated, "next_audit": audit, "flags": status["flags"],
    }
