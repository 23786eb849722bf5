"""Enqueuing notices in the outbox, inside the transaction of the change they report."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from aimsflow.rows import insert_row
from aimsflow.uow import UnitOfWork
from models import Notification, Person, Program, WorkItem


def existing_keys(uow: UnitOfWork, program: Program, keys: list[str]) -> set[str]:
    """Which of these notice keys are already in the outbox (one query per thousand keys)."""
    found: set[str] = set()
    for start in range(0, len(keys), 1000):
        found.update(uow.session.exec(select(Notification.dedup_key).where(
            Notification.program_id == program.id, col(Notification.dedup_key).in_(keys[start:start + 1000]))))
    return found


def enqueue(uow: UnitOfWork, program: Program, *, kind: str, key: str, person: Person | None,
            item: WorkItem | None = None, context: dict[str, Any] | None = None,
            known: set[str] | None = None) -> bool:
    """Add a notice unless one with the same key exists; returns whether it was added.

    `known` is a preloaded set of existing keys (see existing_keys) for callers enqueuing many.
    """
    if person is None:
        return False
    if known is None:
        known = existing_keys(uow, program, [key])
    if key in known:
        return False
    known.add(key)
    uow.session.add(Notification(program_id=program.id, dedup_key=key, kind=kind,  # type: ignore[arg-type]
                                 to_person_id=person.id, to_email=person.email,
                                 work_item_id=item.id if item else None, context=context or {},
                                 created_at=uow.stamp))
    return True


def enqueue_many(uow: UnitOfWork, program: Program,
                 notices: list[tuple[str, str, Person | None, int | None, dict[str, Any]]]) -> int:
    """Add many notices (kind, key, person, work item id, context), skipping keys already in the outbox.

    One query finds the existing keys and one multi-row Core insert writes the rest (a sweep enqueues
    thousands); returns how many were added.
    """
    known = existing_keys(uow, program, [key for _, key, _, _, _ in notices])
    rows = []
    for kind, key, person, item_id, context in notices:
        if person is None or key in known:
            continue
        known.add(key)
        rows.append({**_DEFAULTS, "program_id": program.id, "dedup_key": key, "kind": kind, "to_person_id": person.id,
                     "to_email": person.email, "work_item_id": item_id, "context": context,
                     "created_at": uow.stamp})
    if rows:
        insert_row(uow.session, Notification, rows)
    return len(rows)


# The columns a new notice takes from the model's defaults (version 1, never sent, no attempts).
_DEFAULTS = {"version": 1, "sent_at": None, "attempts": 0, "last_error": None}


def notify_assignment(uow: UnitOfWork, program: Program, item: WorkItem, person: Person | None, *,
                      occasion: str | None = None) -> None:
    """The assignment notice; its completion code is made at delivery, so the code never rests in the database.

    `occasion` makes a second notice to the same person for the same item (e.g. the item came back rejected).
    """
    key = f"assign:{item.id}:{person.id if person else 0}" + (f":{occasion}" if occasion else "")
    enqueue(uow, program, kind="assignment", key=key, person=person, item=item)


def notify_review(uow: UnitOfWork, program: Program, item: WorkItem, person: Person | None, *, run_id: str,
                  run_name: str) -> bool:
    """The reviewer's notice, once their review run exists; its one-time review code is made at delivery."""
    return enqueue(uow, program, kind="review", key=f"review:{item.id}:{run_id}", person=person, item=item,
                   context={"run_id": run_id, "run_name": run_name})
