"""A work item as the completion path reads and writes it: plain values, one query in, one versioned write out.

Completing work is the most frequent step of a journey. Its rules live in aimsflow.services.completion
and work on any object with these attributes (the ORM row when someone reviews work, this plain
copy when the assignee completes it); only the reading and writing differ.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, select

from aimsflow import clock
from aimsflow.rows import table_of, update_versioned
from aimsflow.services.lookup import not_a_person, not_found
from aimsflow.uow import UnitOfWork
from models import Person, Program, TrailHead, WorkItem


@dataclass
class ItemRow:
    """The columns of one work item that completing it reads or writes."""

    id: int
    version: int
    program_id: int
    key: str
    kind: str
    subject: str
    title: str
    phase: str | None
    state: str
    due_date: date
    assignee_id: int | None
    reviewer_id: int | None
    note: str | None
    submitted_at: datetime | None
    submitted_by_id: int | None
    completed_at: datetime | None
    decided_by_id: int | None


@dataclass(frozen=True)
class ProgramRow:
    """The columns of the item's program that completing it needs."""

    id: int
    key: str
    timezone: str
    scope: str
    evidence_valid_months: int
    impact_assessment_interval_months: int


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str


_ITEM_COLUMNS = [f.name for f in fields(ItemRow)]
_PROGRAM_COLUMNS = [f.name for f in fields(ProgramRow)]
_W, _P, _PERSON, _HEAD = (table_of(m) for m in (WorkItem, Program, Person, TrailHead))
_LOAD = (
    select(*(_W.c[c] for c in _ITEM_COLUMNS), *(_P.c[c] for c in _PROGRAM_COLUMNS), _PERSON.c.id, _PERSON.c.name,
           _HEAD.c.seq, _HEAD.c.hash, clock.CLOCK_VALUE)
    .select_from(_W.join(_P, _P.c.id == _W.c.program_id)
                 .outerjoin(_PERSON, and_(_PERSON.c.program_id == _W.c.program_id, _PERSON.c.name == bindparam("name")))
                 .outerjoin(_HEAD, _HEAD.c.program_id == _W.c.program_id))
    .where(_W.c.id == bindparam("item_id"))
)


def load_for_completion(uow: UnitOfWork, item_id: int, by: str) -> tuple[ItemRow, ProgramRow, PersonRow]:
    """The item, its program and the person completing it (with the trail head and the clock): one query."""
    uow.session.flush()  # ORM changes made earlier in this unit of work are part of what we read
    row = uow.connection.execute(_LOAD, {"item_id": item_id, "name": by.strip()}).first()
    if row is None:
        raise not_found(WorkItem, item_id)
    values = list(row)
    n_item, n_program = len(_ITEM_COLUMNS), len(_PROGRAM_COLUMNS)
    item = ItemRow(*values[:n_item])
    program = ProgramRow(*values[n_item:n_item + n_program])
    person_id, person_name, head_seq, head_hash, clock_value = values[n_item + n_program:]
    uow.clock_read(clock_value)
    uow.chain.prime(program.id, (head_seq, head_hash) if head_hash is not None else None)
    if person_id is None:
        raise not_a_person(program.key, by, "--by")
    return item, program, PersonRow(person_id, person_name)


def snapshot(item: ItemRow) -> dict[str, Any]:
    return {name: getattr(item, name) for name in _ITEM_COLUMNS}


def write_item(uow: UnitOfWork, item: ItemRow, before: dict[str, Any]) -> None:
    """Write the columns that changed since `before`, if the row is still at the version read."""
    changed = {k: v for k, v in snapshot(item).items() if v != before[k]}
    if changed:
        item.version = update_versioned(uow.session, WorkItem, item.id, item.version, changed)
