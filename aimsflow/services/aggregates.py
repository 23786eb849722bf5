"""What one lifecycle step reads, as typed aggregates with named columns, and the one loader of each.

A hot step (completing or reviewing work, one step of a nonconformity's loop) reads its row, the
program's settings it needs and the acting person in one query (`UnitOfWork.load_step`, which also
takes the program's trail head and the clock), and writes back only the columns it changed with
the versioned Core update of aimsflow.rows. The ORM models stay the data model: an aggregate is a
read of some of their columns for one step, built by column name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import Label, RowMapping, Table, and_, bindparam, select

from aimsflow.rows import table_of, update_versioned
from aimsflow.services.lookup import not_a_person, not_found
from aimsflow.uow import StepQuery, UnitOfWork
from models import CorrectiveAction, Finding, Nonconformity, Person, Program, WorkItem


@dataclass(frozen=True)
class StepProgram:
    """The program as a step sees it: trail id and key, time zone, and the settings steps use."""

    id: int
    key: str
    timezone: str
    scope: str
    evidence_valid_months: int
    impact_assessment_interval_months: int


@dataclass(frozen=True)
class Actor:
    """The person taking a step, found by name within the step's program."""

    id: int
    name: str


@dataclass
class WorkItemAggregate:
    """A work item being completed or reviewed: the columns those steps read or write."""

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
    owner_run_id: str | None
    review_run_id: str | None
    review_code_hash: str | None
    program: StepProgram
    actor: Actor
    _read: tuple[Any, ...] = field(default=(), repr=False, compare=False)  # the columns as loaded


@dataclass(frozen=True)
class NonconformityAggregate:
    """A nonconformity at one step of its loop: its round's corrective action and its finding's source."""

    id: int
    program_id: int
    state: str
    version: int
    severity: str
    round: int
    source: str  # the finding's: which audit raised it
    action_id: int | None  # the corrective action of the current round
    action_version: int | None
    correction: str | None
    root_cause: str | None
    plan: str | None
    implemented_by_id: int | None
    program: StepProgram
    actor: Actor


def _names(cls: type) -> tuple[str, ...]:
    """The dataclass's column fields, in declaration order (each is a labelled column of its load query)."""
    return tuple(f.name for f in fields(cls) if f.name not in ("program", "actor", "_read"))


def _by_name(query: StepQuery, names: tuple[str, ...], prefix: str = "") -> Callable[[Any], tuple[Any, ...]]:
    """Reads these labelled columns of the query's row by name, in the order given (checked here, at import)."""
    labels = [prefix + n for n in names]
    missing = set(labels) - set(query.statement.selected_columns.keys())
    if missing or len(labels) < 2:  # one name would make itemgetter hand back a value, not a tuple
        raise LookupError(f"an aggregate reads columns its query does not label: {sorted(missing) or labels}")
    return itemgetter(*labels)


_ITEM = _names(WorkItemAggregate)
_ITEM_ATTRIBUTES = attrgetter(*_ITEM)
_PROGRAM = _names(StepProgram)
_NC_OWN = ("id", "program_id", "state", "version", "severity", "round")
_ACTION = {"action_id": "id", "action_version": "version", "correction": "correction",
           "root_cause": "root_cause", "plan": "plan", "implemented_by_id": "implemented_by_id"}
_W, _NC, _CA, _F, _P, _PERSON = (table_of(m) for m in (WorkItem, Nonconformity, CorrectiveAction, Finding,
                                                        Program, Person))


def _labelled(table: Table, names: tuple[str, ...], prefix: str = "") -> list[Label[Any]]:
    return [table.c[n].label(prefix + n) for n in names]


def _actor_by_name(program_id: Any) -> Any:
    return and_(_PERSON.c.program_id == program_id, _PERSON.c.name == bindparam("name"))


_STEP_COLUMNS = [*_labelled(_P, _PROGRAM, "program__"), _PERSON.c.id.label("actor_id"),
                 _PERSON.c.name.label("actor_name")]

_LOAD_WORK_ITEM = StepQuery(
    select(*_labelled(_W, _ITEM), *_STEP_COLUMNS)
    .select_from(_W.join(_P, _P.c.id == _W.c.program_id).outerjoin(_PERSON, _actor_by_name(_W.c.program_id)))
    .where(_W.c.id == bindparam("row_id")),
    _W.c.program_id)
_LOAD_NONCONFORMITY = StepQuery(
    select(*_labelled(_NC, _NC_OWN), _F.c.source.label("source"),
           *(_CA.c[column].label(name) for name, column in _ACTION.items()), *_STEP_COLUMNS)
    .select_from(_NC.join(_P, _P.c.id == _NC.c.program_id).join(_F, _F.c.id == _NC.c.finding_id)
                 .outerjoin(_CA, and_(_CA.c.nonconformity_id == _NC.c.id, _CA.c.round == _NC.c.round))
                 .outerjoin(_PERSON, _actor_by_name(_NC.c.program_id)))
    .where(_NC.c.id == bindparam("row_id")),
    _NC.c.program_id)
_ITEM_COLUMNS = _by_name(_LOAD_WORK_ITEM, _ITEM)
_NC_COLUMNS = _by_name(_LOAD_NONCONFORMITY, _names(NonconformityAggregate))
_PROGRAM_COLUMNS = _by_name(_LOAD_WORK_ITEM, _PROGRAM, "program__")
_by_name(_LOAD_NONCONFORMITY, _PROGRAM, "program__")  # checks that both queries read the program alike


def _program_and_actor(columns: RowMapping, by: str) -> tuple[StepProgram, Actor]:
    program = StepProgram(*_PROGRAM_COLUMNS(columns))
    if columns["actor_id"] is None:
        raise not_a_person(program.key, by, "by")
    return program, Actor(columns["actor_id"], columns["actor_name"])


def load_work_item(uow: UnitOfWork, item_id: int, by: str) -> WorkItemAggregate:
    """A work item with its program and the person acting on it (named `by`), in one query."""
    columns = uow.load_step(_LOAD_WORK_ITEM, {"row_id": item_id, "name": by.strip()})
    if columns is None:
        raise not_found(WorkItem, item_id)
    program, actor = _program_and_actor(columns, by)
    read = _ITEM_COLUMNS(columns)
    return WorkItemAggregate(*(*read, program, actor, read))  # fields in order: columns, program, actor, _read


def save_work_item(uow: UnitOfWork, item: WorkItemAggregate) -> None:
    """Write the columns changed since the item was loaded, if the row is still at the version read."""
    now = _ITEM_ATTRIBUTES(item)
    changed = {name: value for name, value, was in zip(_ITEM, now, item._read, strict=True) if value != was}
    if changed:
        item.version = update_versioned(uow.session, WorkItem, item.id, item.version, changed)
        item._read = _ITEM_ATTRIBUTES(item)


def load_nonconformity(uow: UnitOfWork, nc_id: int, by: str) -> NonconformityAggregate:
    """A nonconformity with its current round's corrective action, its program and the person acting, in one query."""
    columns = uow.load_step(_LOAD_NONCONFORMITY, {"row_id": nc_id, "name": by.strip()})
    if columns is None:
        raise not_found(Nonconformity, nc_id)
    program, actor = _program_and_actor(columns, by)
    return NonconformityAggregate(*(*_NC_COLUMNS(columns), program, actor))
