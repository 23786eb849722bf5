"""What every table shares: rows carry their program; mutable rows carry a version (optimistic lock)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def json_list() -> Any:
    """A JSON list column (references such as ["A.7.4", "8.4"])."""
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Versioned(SQLModel):
    """A mutable row: every UPDATE bumps `version` and fails if another writer got there first."""

    version: int = Field(default=1, nullable=False)

    @declared_attr  # type: ignore[arg-type]
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def program_fk() -> Any:
    return Field(foreign_key="program.id", index=True, nullable=False)


def person_fk(nullable: bool = True) -> Any:
    return Field(default=None, foreign_key="person.id", nullable=nullable)
