"""Each lifecycle row's state is bound to the trail: it is what the last event that moved the row says.

A row whose state was edited in the database, or a row inserted without its event, shows here:
the trail's hash chain protects the events, and this check ties the rows to them. It runs on a
live database (`trail verify`) and on an export before it is imported.

Rows are named in the trail by readable references (WI-12, EV-3, system:<name>, ...). An import
that has to renumber rows records the renumbering in the trail (an `import` event of the
program), so references made before it are followed to the rows' new ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

IMPORT_TRIGGER = "import"  # the program's event that records an import's renumbered references
RENUMBERED = "renumbered"  # its payload: {old reference: new reference}

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Binding:
    """Where one lifecycle keeps its rows' state, and how the trail names each row."""

    table: str
    lifecycle: str  # the events' `lifecycle`
    column: str  # the row's state column
    ref: Callable[[Row, Mapping[Any, str]], str]  # (row, system names by id) -> the events' row_ref
    extra: tuple[str, ...] = ()  # the other columns `ref` reads
    words: Callable[[Any], str | None] = lambda value: value  # the column's value as the trail words it
    label: str = "state"  # what a message calls the column
    born: str | None = None  # the state a row is made in without an event of its own (None: every row has one)

    @property
    def columns(self) -> tuple[str, ...]:
        return ("id", self.column, *self.extra)


def _prefixed(prefix: str) -> Callable[[Row, Mapping[Any, str]], str]:
    return lambda row, _systems: f"{prefix}-{row['id']}"


BINDINGS: tuple[Binding, ...] = (
    Binding("program", "program", "state", lambda _row, _systems: "program"),
    Binding("work_item", "work_item", "state", _prefixed("WI")),
    Binding("evidence", "evidence", "state", _prefixed("EV")),
    Binding("nonconformity", "nonconformity", "state", _prefixed("NC")),
    Binding("audit", "audit", "state", _prefixed("AUD")),
    Binding("risk", "risk", "state", _prefixed("RISK")),
    Binding("incident", "incident", "state", _prefixed("INC")),
    Binding("ai_system", "ai_system", "status", lambda row, _systems: f"system:{row['name']}", ("name",)),
    # An impact assessment is made `required` with its in-scope system (whose event records that).
    Binding("impact_assessment", "impact_assessment", "state",
            lambda row, systems: f"IA-{systems.get(row['system_id'], row['system_id'])}", ("system_id",),
            born="required"),
    Binding("soa_entry", "soa", "included", lambda row, _systems: f"SoA:{row['control_id']}", ("control_id",),
            lambda included: None if included is None else "included" if included else "excluded", "decision"),
)
BOUND_TABLES = {b.table: b for b in BINDINGS}
# Tables whose references carry the row's id: an import that renumbers them records the new references.
RENUMBERABLE = {b.table: b for b in BINDINGS if b.table not in ("program", "ai_system", "impact_assessment",
                                                                "soa_entry")}


class Move(Protocol):
    """What the check reads of an event (an Event row, or an export's event)."""

    @property
    def seq(self) -> int: ...
    @property
    def lifecycle(self) -> str: ...
    @property
    def row_ref(self) -> str: ...
    @property
    def to_state(self) -> str | None: ...
    @property
    def trigger(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


def last_moves(events: Iterable[Move]) -> dict[tuple[str, str], tuple[int, str]]:
    """(lifecycle, row_ref) -> (seq, to_state) of the last event that moved each row, renumberings followed."""
    moves: dict[tuple[str, str], tuple[int, str]] = {}
    for e in sorted(events, key=lambda e: e.seq):
        if e.lifecycle == "program" and e.trigger == IMPORT_TRIGGER:
            renamed = (e.payload or {}).get(RENUMBERED) or {}
            if isinstance(renamed, dict) and renamed:
                moves = {(lc, str(renamed.get(ref, ref))): move for (lc, ref), move in moves.items()}
        elif e.to_state is not None:
            moves[(e.lifecycle, e.row_ref)] = (e.seq, e.to_state)
    return moves


@dataclass(frozen=True)
class RowProblem:
    table: str
    row_id: Any
    ref: str
    problem: str

    def __str__(self) -> str:
        return f"{self.table} {self.ref}: {self.problem}"


def row_problems(moves: Mapping[tuple[str, str], tuple[int, str]],
                 rows: Mapping[str, Iterable[Row]]) -> list[RowProblem]:
    """Every bound row whose state is not what the last event that moved it says, or that no event made."""
    systems = {r["id"]: r["name"] for r in rows.get("ai_system", ())}
    problems: list[RowProblem] = []
    for binding in BINDINGS:
        for row in rows.get(binding.table, ()):
            ref = binding.ref(row, systems)
            state = binding.words(row.get(binding.column))
            move = moves.get((binding.lifecycle, ref))
            if move is None and state == binding.born:
                continue
            if move is None:
                problems.append(RowProblem(binding.table, row.get("id"), ref,
                                           f"no event of the trail made or moved it (its {binding.label} is "
                                           f"{state!r}): added behind the trail's back"))
            elif move[1] != state:
                problems.append(RowProblem(binding.table, row.get("id"), ref,
                                           f"its {binding.label} is {state!r} but the trail's last event for it "
                                           f"(#{move[0]}) moved it to {move[1]!r}: edited behind the trail's back"))
    return problems
