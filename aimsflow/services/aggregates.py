"""What one lifecycle step reads, as typed aggregates with named columns, and the one loader of each.

A hot step (completing or reviewing work, one step of a nonconformity's loop) reads its row, the
program's settings it needs and the acting person in one query (`UnitOfWork.load_step`, which also
takes the program's trail head and the clock), and writes back only the columns it changed with
the versioned Core update of aimsflow.rows. The ORM models stay the data model: an aggregate is a
read of some of their columns for one step, built by column name.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Label, RowMapping, Table, and_, bindparam, select

from aimsflow.rows import table_of, update_versioned
from aimsflow.services.lookup import not_a_person, not_found
from aimsflow.uow import StepQuery, UnitOfWork
from models import CorrectiveAction, Finding, Nonconformity, Person, Program, WorkItem

T = TypeVar("T")


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
class WorkItemStep:
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
    program: StepProgram
    actor: Actor
    _read: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._read = _values(self, _ITEM)


@dataclass(frozen=True)
class NonconformityStep:
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
    return tuple(f.name for f in fields(cls) if f.init and f.name not in ("program", "actor"))


_ITEM = _names(WorkItemStep)
_PROGRAM = _names(StepProgram)
_NC_OWN = ("id", "program_id", "state", "version", "severity", "round")
_ACTION = {"action_id": "id", "action_version": "version", "correction": "correction",
           "root_cause": "root_cause", "plan": "plan", "implemented_by_id": "implemented_by_id"}
_W, _NC, _CA, _F, _P, _PERSON = (table_of(m) for m in (WorkItem, Nonconformity, CorrectiveAction, Finding,
                                                        Program, Person))


def _labelled(table: Table, names: tuple[str, ...], prefix: str = "") -> list[Label[Any]]:
    return [table.c[n].label(prefix + n) for n in names]


def _values(row: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(row, n) for n in names}


def _build(cls: type[T], columns: RowMapping, names: tuple[str, ...], prefix: str = "") -> T:
    return cls(**{n: columns[prefix + n] for n in names})


def _program_and_actor(columns: RowMapping, by: str) -> tuple[StepProgram, Actor]:
    program = _build(StepProgram, columns, _PROGRAM, "program__")
    if columns["actor_id"] is None:
        raise not_a_person(program.key, by, "--by")
    return program, Actor(columns["actor_id"], columns["actor_name"])


def _actor_by_name(program_id: Any) -> Any:
    return and_(_PERSON.c.program_id == program_id, _PERSON.c.name == bindparam("name"))


_STEP_COLUMNS = [*_labelled(_P, _PROGRAM, "program__"), _PERSON.c.id.label("actor_id"),
                 _PERSON.c.name.label("actor_name")]

_LOAD_WORK_ITEM = StepQuery(
    select(*_labelled(_W, _ITEM), *_STEP_COLUMNS)
    .select_from(_W.join(_P, _P.c.id == _W.c.program_id).outerjoin(_PERSON, _actor_by_name(_W.c.program_id)))
    .where(_W.c.id == bindparam("row_id")),
    _W.c.program_id)


def load_work_item(uow: UnitOfWork, item_id: int, by: str) -> WorkItemStep:
    """A work item with its program and the person acting on it (named `by`), in one query."""
    columns = uow.load_step(_LOAD_WORK_ITEM, {"row_id": item_id, "name": by.strip()})
    if columns is None:
        raise not_found(WorkItem, item_id)
    program, actor = _program_and_actor(columns, by)
    return WorkItemStep(**{n: columns[n] for n in _ITEM}, program=program, actor=actor)


def save_work_item(uow: UnitOfWork, item: WorkItemStep) -> None:
    """Write the columns changed since the item was loaded, if the row is still at the version read."""
    changed = {k: v for k, v in _values(item, _ITEM).items() if v != item._read[k]}
    if changed:
        item.version = update_versioned(uow.session, WorkItem, item.id, item.version, changed)
        item._read = _values(item, _ITEM)


_LOAD_NONCONFORMITY = StepQuery(
    select(*_labelled(_NC, _NC_OWN), _F.c.source.label("source"),
           *(_CA.c[column].label(name) for name, column in _ACTION.items()), *_STEP_COLUMNS)
    .select_from(_NC.join(_P, _P.c.id == _NC.c.program_id).join(_F, _F.c.id == _NC.c.finding_id)
                 .outerjoin(_CA, and_(_CA.c.nonconformity_id == _NC.c.id, _CA.c.round == _NC.c.round))
                 .outerjoin(_PERSON, _actor_by_name(_NC.c.program_id)))
    .where(_NC.c.id == bindparam("row_id")),
    _NC.c.program_id)


def load_nonconformity(uow: UnitOfWork, nc_id: int, by: str) -> NonconformityStep:
    """A nonconformity with its current round's corrective action, its program and the person acting, in one query."""
    columns = uow.load_step(_LOAD_NONCONFORMITY, {"row_id": nc_id, "name": by.strip()})
    if columns is None:
        raise not_found(Nonconformity, nc_id)
    program, actor = _program_and_actor(columns, by)
    return NonconformityStep(**{n: columns[n] for n in (*_NC_OWN, "source", *_ACTION)}, program=program,
                             actor=actor)
