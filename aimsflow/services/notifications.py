"""Enqueuing notices in the outbox, inside the transaction of the change they report."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from aimsflow.uow import UnitOfWork
from models import Notification, Person, Program, WorkItem


def enqueue(uow: UnitOfWork, program: Program, *, kind: str, key: str, person: Person | None,
            item: WorkItem | None = None, context: dict[str, Any] | None = None) -> bool:
    """Add a notice unless one with the same key exists; returns whether it was added."""
    if person is None:
        return False
    exists = uow.session.exec(select(Notification.id).where(
        Notification.program_id == program.id, Notification.dedup_key == key)).first()
    if exists is not None:
        return False
    uow.session.add(Notification(program_id=program.id, dedup_key=key, kind=kind,  # type: ignore[arg-type]
                                 to_person_id=person.id, to_email=person.email,
                                 work_item_id=item.id if item else None, context=context or {},
                                 created_at=uow.stamp))
    return True


def notify_assignment(uow: UnitOfWork, program: Program, item: WorkItem, person: Person | None) -> None:
    """The assignment notice; its completion code is made at delivery, so the code never rests in the database."""
    enqueue(uow, program, kind="assignment", key=f"assign:{item.id}:{person.id if person else 0}", person=person,
            item=item)
