"""The notification outbox: written in the same transaction as the change it reports, delivered after."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, UniqueConstraint

from models.base import Versioned, person_fk, program_fk, utcnow


class Notification(Versioned, table=True):
    # The key makes every notice idempotent: a second sweep on the same day enqueues nothing new.
    __table_args__ = (UniqueConstraint("program_id", "dedup_key"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    dedup_key: str
    kind: str  # assignment | reminder | escalation | nonconformity | review
    to_person_id: int | None = person_fk()
    to_email: str | None = None
    work_item_id: int | None = Field(default=None, foreign_key="work_item.id")
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = Field(default=None, index=True)
    attempts: int = 0
    last_error: str | None = None
