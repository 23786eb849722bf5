"""Enqueuing notices in the outbox, inside the transaction of the change they report."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

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


def notify_assignment(uow: UnitOfWork, program: Program, item: WorkItem, person: Person | None) -> None:
    """The assignment notice; its completion code is made at delivery, so the code never rests in the database."""
    enqueue(uow, program, kind="assignment", key=f"assign:{item.id}:{person.id if person else 0}", person=person,
            item=item)
