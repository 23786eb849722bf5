"""The trail: every state change appends an event whose hash chains to the program's previous one."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, UniqueConstraint


class TrailHead(SQLModel, table=True):
    """The last event of each program's chain, so that deleting events at the end is detected too."""

    __tablename__ = "trail_head"
    program_id: int = Field(foreign_key="program.id", primary_key=True)
    seq: int
    hash: str


class Event(SQLModel, table=True):
    # One chain per program; the unique sequence keeps two writers from forking it.
    __table_args__ = (UniqueConstraint("program_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True)
    seq: int
    at: datetime
    actor: str
    lifecycle: str
    row_ref: str  # "WI-12", "NC-3", "program"
    from_state: str | None
    to_state: str | None
    trigger: str
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str
    hash: str = Field(index=True)
