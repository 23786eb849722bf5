"""One use case, one unit of work: load, fire, write the state and its event, commit once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Engine, RowMapping, Select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from aimsflow import clock
from aimsflow.errors import Conflict, Refused
from aimsflow.rows import connection_of
from aimsflow.trail import Chain, ProgramKey
from models import TrailHead
from models.db import get_engine
from states.machine import GuardCheck, Lifecycle, TransitionRefused, fire


class Stateful(Protocol):
    state: str


class Zoned(Protocol):
    """Anything that knows its program's time zone (a Program, or a step's read of it)."""

    @property
    def timezone(self) -> str: ...


_HEAD = TrailHead.__table__  # type: ignore[attr-defined]


class StepQuery:
    """A step's load query with its program's trail head and the clock setting joined in; built once, at import.

    `UnitOfWork.load_step` runs it and keeps the head and the clock it read, so a hot step reads
    everything it needs in one round trip and the unit of work stays the one owner of both.
    """

    def __init__(self, query: Select[Any], program_id: ColumnElement[int]) -> None:
        self.statement = (query.add_columns(program_id.label("uow_program_id"), _HEAD.c.seq.label("uow_head_seq"),
                                           _HEAD.c.hash.label("uow_head_hash"), clock.CLOCK_VALUE.label("uow_clock"))
                          .outerjoin(_HEAD, _HEAD.c.program_id == program_id))


class UnitOfWork:
    """A database transaction with the clock read once and the trail chain at hand."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._now: datetime | None = None
        self.chain = Chain(session)

    @property
    def now(self) -> datetime:
        """The clock, read once per unit of work (on first use, or with a step's rows by `load_step`)."""
        if self._now is None:
            self._now = clock.read_now(self.session)
        return self._now

    def pin_now(self, instant: datetime) -> None:
        """Work as of `instant` (a daily check that was due then and runs late), whatever the clock says now."""
        self._now = instant

    def load_step(self, query: StepQuery, params: dict[str, Any]) -> RowMapping | None:
        """Run a step's load query: its row by column name, with the trail head and the clock taken in."""
        self.session.flush()  # ORM changes made earlier in this unit of work are part of what we read
        row = self.connection.execute(query.statement, params).first()
        if row is None:
            return None
        columns = row._mapping
        if self._now is None:
            self._now = clock.from_setting(columns["uow_clock"])
        head_seq, head_hash = columns["uow_head_seq"], columns["uow_head_hash"]
        self.chain.prime(columns["uow_program_id"], (head_seq, head_hash) if head_hash is not None else None)
        return columns

    @property
    def connection(self) -> Connection:
        """The transaction's connection, for Core statements on hot paths."""
        return connection_of(self.session)

    @property
    def stamp(self) -> datetime:
        """`now` for a timestamp column (aware UTC; SQLModel stores and returns it as UTC)."""
        return self.now

    def today(self, program: Zoned) -> date:
        """The program's calendar date now (in its time zone)."""
        from aimsflow.rules.working_days import local_date

        return local_date(self.now, program.timezone)

    def record(self, program: ProgramKey, *, actor: str, lifecycle: str, row_ref: str, trigger: str,
               from_state: str | None = None, to_state: str | None = None,
               payload: dict[str, Any] | None = None) -> None:
        self.chain.append(program, at=self.now, actor=actor, lifecycle=lifecycle, row_ref=row_ref,
                          from_state=from_state, to_state=to_state, trigger=trigger, payload=payload)

    def transition(self, program: ProgramKey, lifecycle: Lifecycle, row: Stateful, trigger: str, *,
                   row_ref: str, actor: str, check: GuardCheck | None = None,
                   payload: dict[str, Any] | None = None) -> str:
        """Fire a trigger on a row through its lifecycle's shared machine, and record the event."""
        after = self.fire(program, lifecycle, row.state, trigger, row_ref=row_ref, actor=actor, check=check,
                          payload=payload)
        row.state = after
        self.session.add(row)
        return after

    def fire(self, program: ProgramKey, lifecycle: Lifecycle, before: str, trigger: str, *, row_ref: str,
             actor: str, check: GuardCheck | None = None, payload: dict[str, Any] | None = None) -> str:
        """Fire a trigger from a state and record the event; the caller writes the new state to its row."""
        try:
            after = fire(lifecycle, before, trigger, check)
        except TransitionRefused as refused:
            subject = program.key if row_ref == "program" else row_ref
            raise Refused(f"{subject}: {refused}", missing=refused.missing, state=before) from None
        self.record(program, actor=actor, lifecycle=lifecycle.name, row_ref=row_ref, trigger=trigger,
                    from_state=before, to_state=after, payload=payload)
        return after


@contextmanager
def unit_of_work(engine: Engine | None = None) -> Iterator[UnitOfWork]:
    """Commit on success; on any error roll back, so a refusal leaves the database unchanged."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            uow = UnitOfWork(session)
            yield uow
            session.commit()
        except StaleDataError:
            session.rollback()
            raise Conflict("someone else changed this record at the same time; nothing was saved, try again") from None
        except (DatabaseError, sqlite3.Error) as exc:  # locked, out of range, gone: one line, never the SQL
            session.rollback()
            from aimsflow.database import from_database_error, is_bug

            if is_bug(exc):
                raise
            raise from_database_error(exc) from None
        except BaseException:
            session.rollback()
            raise

