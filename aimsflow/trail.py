"""The tamper-evident trail: events hash-chained per program, and their verification."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy import event as sa_event
from sqlalchemy import select as core_select
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, SQLModel, col, select

from aimsflow.rows import connection_of
from models import Event, Program, TrailHead

GENESIS = "0" * 64


_PLAIN = (str, int, float, bool, type(None))


def canonical_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as it will read back from a JSON column (dates become ISO strings)."""
    if all(type(k) is str and (type(v) in _PLAIN or (type(v) is list and all(type(x) in _PLAIN for x in v)))
           for k, v in payload.items()):
        # Already what JSON reads back (the common case): skip the round trip, keep its key order.
        return {k: list(v) if type(v) is list else v for k, v in sorted(payload.items())}
    loaded: dict[str, Any] = json.loads(json.dumps(payload, default=str, sort_keys=True))
    return loaded


def event_hash(program_key: str, seq: int, at: datetime, actor: str, lifecycle: str, row_ref: str,
               from_state: str | None, to_state: str | None, trigger: str,
               payload: dict[str, Any], prev_hash: str) -> str:
    # The program's key, not its database id, so an exported trail verifies after import.
    body = json.dumps(
        [program_key, seq, _utc_text(at), actor, lifecycle,
         row_ref, from_state, to_state, trigger, payload, prev_hash],
        sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _utc_text(at: datetime) -> str:
    if at.tzinfo is None:  # a database without offsets hands back UTC without one
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="microseconds")


class ProgramKey(Protocol):
    """What the chain needs of a program: its row id and its key (a Program, or a lighter row)."""

    @property
    def id(self) -> int | None: ...

    @property
    def key(self) -> str: ...


_EVENTS = Event.__table__  # type: ignore[attr-defined]
_HEADS = TrailHead.__table__  # type: ignore[attr-defined]
_READ_HEAD = core_select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.program_id == bindparam("pid"))
_LOCK_HEAD = _READ_HEAD.with_for_update()
_MOVE_HEAD = (update(_HEADS).where(_HEADS.c.program_id == bindparam("pid"), _HEADS.c.seq == bindparam("old"))
              .values(seq=bindparam("seq"), hash=bindparam("hash")))
_NEW_HEAD = insert(_HEADS)
_INSERT_EVENTS = insert(_EVENTS)


class Chain:
    """Appends events for the programs touched by one unit of work.

    Events wait in memory and are written with one multi-row Core insert, and each program's head
    once, when the session next talks to the database (any query, a flush, the commit), so the
    transaction still reads its own events. The head is read once per program and, on PostgreSQL,
    locked (FOR UPDATE): two writers of one program's chain take turns instead of forking it. The
    head moves only from the sequence it was read at, so a chain can never be forked silently.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._heads: dict[int, tuple[int, str]] = {}
        self._read: dict[int, int | None] = {}  # the head's seq as read (None: no head row yet)
        self._pending: list[dict[str, Any]] = []
        self._moved: set[int] = set()
        session.info[_SESSION_KEY] = self

    @cached_property
    def locks(self) -> bool:
        """Whether the head is read FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE already serializes)."""
        return self.session.get_bind().dialect.name == "postgresql"

    def prime(self, program_id: int, head: tuple[int, str] | None) -> None:
        """Take a head the caller's own query read (a hot path saves a round trip); not where heads are locked."""
        if program_id not in self._heads and not self.locks:
            self._take(program_id, head)

    def _take(self, program_id: int, head: tuple[int, str] | None) -> None:
        self._read[program_id] = head[0] if head else None
        self._heads[program_id] = head or (0, GENESIS)

    def _head(self, program_id: int) -> tuple[int, str]:
        if program_id not in self._heads:
            query = _LOCK_HEAD if self.locks else _READ_HEAD
            row = connection_of(self.session).execute(query, {"pid": program_id}).first()
            self._take(program_id, (row[0], row[1]) if row else None)
        return self._heads[program_id]

    @property
    def pending(self) -> bool:
        return bool(self._pending or self._moved)

    def append(self, program: ProgramKey, *, at: datetime, actor: str, lifecycle: str, row_ref: str,
               from_state: str | None, to_state: str | None, trigger: str,
               payload: dict[str, Any] | None = None) -> tuple[int, str]:
        """Chain one event; returns its (seq, hash). It is written at the session's next statement."""
        assert program.id is not None
        seq, prev = self._head(program.id)
        seq += 1
        body = canonical_payload(payload or {})
        digest = event_hash(program.key, seq, at, actor, lifecycle, row_ref, from_state, to_state,
                            trigger, body, prev)
        self._pending.append({"program_id": program.id, "seq": seq, "at": at, "actor": actor,
                              "lifecycle": lifecycle, "row_ref": row_ref, "from_state": from_state,
                              "to_state": to_state, "trigger": trigger, "payload": body, "prev_hash": prev,
                              "hash": digest})
        self._heads[program.id] = (seq, digest)
        self._moved.add(program.id)
        return seq, digest

    def write(self, connection: Connection) -> None:
        """Insert the waiting events in one statement and move each touched head once."""
        if self._pending:
            rows, self._pending = self._pending, []
            connection.execute(_INSERT_EVENTS, rows)
        for program_id in sorted(self._moved):
            seq, digest = self._heads[program_id]
            old = self._read[program_id]
            if old is None:
                connection.execute(_NEW_HEAD, {"program_id": program_id, "seq": seq, "hash": digest})
            elif connection.execute(_MOVE_HEAD, {"pid": program_id, "old": old, "seq": seq,
                                                 "hash": digest}).rowcount != 1:
                raise StaleDataError(f"the trail of program {program_id} moved on under this transaction")
            self._read[program_id] = seq
        self._moved.clear()


_SESSION_KEY = "aimsflow.chain"


def pending_chain(session: Session) -> Chain | None:
    chain = session.info.get(_SESSION_KEY)
    return chain if isinstance(chain, Chain) and chain.pending else None


@sa_event.listens_for(Session, "do_orm_execute")
def _write_before_reading(state: ORMExecuteState) -> None:
    # A query in the same transaction sees the events appended so far.
    chain = pending_chain(state.session)  # type: ignore[arg-type]
    if chain is not None:
        chain.write(connection_of(state.session))


@sa_event.listens_for(Session, "before_flush")
def _write_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    chain = pending_chain(session)
    if chain is not None:
        chain.write(connection_of(session))


@sa_event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    chain = pending_chain(session)
    if chain is not None:
        chain.write(connection_of(session))


@dataclass(frozen=True)
class TrailProblem:
    program: str
    event_id: int | None
    seq: int
    problem: str
    row: str | None = None  # a lifecycle row whose state the trail does not bear out ("work_item WI-12")

    def __str__(self) -> str:
        if self.row is not None:
            return f"{self.program}: {self.row}: {self.problem}"
        where = f"event {self.event_id} (#{self.seq})" if self.event_id else f"#{self.seq}"
        return f"{self.program}: {where}: {self.problem}"


def _digest(program_key: str, e: Event) -> str:
    return event_hash(program_key, e.seq, e.at, e.actor, e.lifecycle, e.row_ref, e.from_state, e.to_state,
                      e.trigger, e.payload, e.prev_hash)


def _genuine(program_key: str, e: Event, prev: str) -> bool:
    return e.prev_hash == prev and _digest(program_key, e) == e.hash


def verify_chain(program_key: str, events: list[Event], head: tuple[int, str] | None = None) -> list[TrailProblem]:
    """Every edited, inserted or deleted event of one program's chain, in order.

    `head` is the (seq, hash) the trail recorded as its last event: without it, events deleted at
    the end of the chain would go unnoticed.
    """
    problems: list[TrailProblem] = []
    prev = GENESIS
    expected_seq = 1
    by_seq: dict[int, list[Event]] = {}
    for e in events:
        by_seq.setdefault(e.seq, []).append(e)
    for seq in sorted(by_seq):
        if seq != expected_seq:
            first = min(by_seq[seq], key=lambda e: e.id or 0)
            problems.append(TrailProblem(program_key, None, expected_seq,
                                         f"missing (deleted?) before event {first.id} (#{seq})"))
            expected_seq = seq
        # Two events with one number: the one that chains and hashes is genuine, the other inserted.
        candidates = sorted(by_seq[seq], key=lambda e: (not _genuine(program_key, e, prev), e.id or 0))
        e = candidates[0]
        for intruder in candidates[1:]:
            problems.append(TrailProblem(program_key, intruder.id, seq, "a second event with this number (inserted)"))
        if e.prev_hash != prev:
            problems.append(TrailProblem(program_key, e.id, e.seq, "does not chain to the event before it"))
        if _digest(program_key, e) != e.hash:
            problems.append(TrailProblem(program_key, e.id, e.seq, "content does not match its hash (edited)"))
        prev = e.hash
        expected_seq += 1
    if head is not None and (head[0], head[1]) != (expected_seq - 1, prev):
        problems.append(TrailProblem(program_key, None, head[0],
                                     f"the trail ends at #{expected_seq - 1} but its head records #{head[0]}: "
                                     "events at the end are missing or the head was altered"))
    return problems


def verify_trail(session: Session, program: Program | None = None) -> tuple[int, list[TrailProblem]]:
    """Check the chains of one program or all, and that each lifecycle row's state is what its last event
    says (a state edited behind the trail's back is named); returns (events checked, problems)."""
    from aimsflow.row_states import last_moves

    programs = [program] if program else list(session.exec(select(Program).order_by(col(Program.id))))
    checked = 0
    problems: list[TrailProblem] = []
    rows = _bound_rows(session, [p.id for p in programs if p.id is not None])
    for p in programs:
        events = list(session.exec(select(Event).where(Event.program_id == p.id)))
        checked += len(events)
        head = session.get(TrailHead, p.id)
        problems.extend(verify_chain(p.key, events, (head.seq, head.hash) if head else (0, GENESIS)))
        problems.extend(state_problems(p.key, last_moves(events), rows.get(p.id or 0, {})))
    return checked, problems


def state_problems(program_key: str, moves: dict[tuple[str, str], tuple[int, str]],
                   rows: dict[str, list[dict[str, Any]]]) -> list[TrailProblem]:
    """The rows of one program whose state the trail does not bear out, as trail problems."""
    from aimsflow.row_states import row_problems

    return [TrailProblem(program_key, None, 0, p.problem, row=f"{p.table} {p.ref}") for p in row_problems(moves, rows)]


def _bound_rows(session: Session, program_ids: list[int]) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """program id -> table -> the bound rows' columns: one query per lifecycle table."""
    from aimsflow.row_states import BINDINGS

    out: dict[int, dict[str, list[dict[str, Any]]]] = {pid: {} for pid in program_ids}
    if not program_ids:
        return out
    connection = connection_of(session)
    for binding in BINDINGS:
        table = SQLModel.metadata.tables[binding.table]
        owner = table.c.id if binding.table == "program" else table.c.program_id
        query = core_select(owner.label("owner"), *(table.c[c] for c in binding.columns)).where(owner.in_(program_ids))
        for r in connection.execute(query):
            values = dict(r._mapping)
            out[values.pop("owner")].setdefault(binding.table, []).append(values)
    return out
