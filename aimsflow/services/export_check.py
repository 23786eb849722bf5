"""An export checked whole before import writes a row: every value against the model, the trail, the states.

A program export is a file anyone can edit. Before anything is written, each table and column
must be one the models declare, each value of its column's type (dates real, whole numbers not
negative, hashes 64 hex digits, keys and names without control characters, states in their
lifecycle), each reference must name a row the file (or the catalog) holds, the trail must chain
and end at its head, and each row's state must be what the trail's last event for it says.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Table
from sqlmodel import SQLModel

from aimsflow.errors import InvalidInput
from aimsflow.row_states import BOUND_TABLES, last_moves, row_problems
from aimsflow.safe_names import name_problem
from aimsflow.services.programs import is_key
from aimsflow.trail import GENESIS, verify_chain
from models import Event
from states import LIFECYCLES

HEX64 = re.compile(r"[0-9a-f]{64}")
HASHES = {("evidence", "sha256"), ("event", "hash"), ("event", "prev_hash"), ("trail_head", "hash")}
# Identifiers and names: one line, no blanks at either end (free text may hold line breaks and tabs).
ONE_LINE = {"key", "dedup_key", "name", "ref", "row_ref", "control_id", "clause_id", "lifecycle", "trigger",
            "state", "status", "from_state", "to_state", "kind", "role", "phase", "severity", "timezone",
            "country", "media_type", "file_name", "actor", "function", "rating", "source", "email"}
EVENT_STATES = {name: {str(s) for s in lc.states} for name, lc in LIFECYCLES.items()}
EVENT_STATES["soa"] = {"included", "excluded"}
SHOWN = 5  # problems named in the one line; the count says how many more


@dataclass(frozen=True)
class CheckedExport:
    """An export whose every row passed: typed values by table, parents before children."""

    key: str
    tables: dict[str, list[dict[str, Any]]]


def program_tables() -> list[Table]:
    """The tables an export holds besides `program`, parents before children."""
    return [t for t in SQLModel.metadata.sorted_tables if "program_id" in t.c and t.name != "program"]


def check_export(data: Any, catalog_ids: Callable[[str, set[Any]], set[Any]]) -> CheckedExport:
    """The export's rows typed, or InvalidInput naming each problem (table, row, field) and that nothing was imported.

    `catalog_ids(table, ids)` says which of `ids` a table outside the program (the catalog) holds.
    """
    problems: list[str] = []
    key = data.get("program") if isinstance(data, dict) else None
    tables = data.get("tables") if isinstance(data, dict) else None
    if not isinstance(key, str) or not is_key(key):
        raise InvalidInput(f"export: program {str(key)[:70]!r} is not a program key; nothing was imported")
    if not isinstance(tables, dict):
        raise InvalidInput("export: 'tables' is not a mapping of table names to rows; nothing was imported")
    known = {t.name: t for t in [SQLModel.metadata.tables["program"], *program_tables()]}
    for name in tables:
        if name not in known:
            problems.append(f"table {str(name)[:40]!r}: not a table of a program (exported by another version?)")
    typed: dict[str, list[dict[str, Any]]] = {}
    for name, table in known.items():
        rows = tables.get(name, [])
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            problems.append(f"table {name}: not a list of rows")
            continue
        typed[name] = [_row(table, number, raw, problems) for number, raw in enumerate(rows, start=1)]
    _check_program(key, typed, problems)
    if not problems:
        _check_references(known, typed, catalog_ids, problems)
    if not problems:
        _check_trail(key, typed, problems)
    if problems:
        more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise InvalidInput(f"export of {key}: {len(problems)} problem(s), nothing was imported: "
                           + "; ".join(problems[:SHOWN]) + more)
    return CheckedExport(key, typed)


def _where(table: Table, number: int, raw: dict[str, Any], column: str | None = None) -> str:
    ident = raw.get("id", raw.get("program_id"))
    row = f"row id {ident!r}" if isinstance(ident, int | str) else f"row {number}"
    return f"table {table.name}, {row}" + (f", field {column}" if column else "")


def _row(table: Table, number: int, raw: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in raw:
        if name not in table.c:
            problems.append(f"{_where(table, number, raw)}: no column {str(name)[:40]!r} "
                            "(exported by another version?)")
    for column in table.c:
        if column.name not in raw:
            if not column.nullable and column.default is None and not column.primary_key:
                problems.append(f"{_where(table, number, raw, column.name)}: missing")
            continue
        problem, value = _value(table, column.name, raw[column.name])
        if problem is not None:
            problems.append(f"{_where(table, number, raw, column.name)}: {problem}")
        out[column.name] = value
    binding = BOUND_TABLES.get(table.name)
    if binding is not None and binding.column in out and out[binding.column] is not None:
        states = EVENT_STATES[binding.lifecycle]
        worded = binding.words(out[binding.column])
        if worded not in states:
            problems.append(f"{_where(table, number, raw, binding.column)}: {worded!r} is not a state of the "
                            f"{binding.lifecycle.replace('_', ' ')} lifecycle ({', '.join(sorted(states))})")
    if table.name == "event":
        for field in ("from_state", "to_state"):
            allowed = EVENT_STATES.get(str(out.get("lifecycle")))
            if allowed is not None and out.get(field) is not None and out[field] not in allowed:
                problems.append(f"{_where(table, number, raw, field)}: {out[field]!r} is not a state of the "
                                f"{out['lifecycle']} lifecycle")
    if table.name == "collector" and isinstance(out.get("name"), str):
        problem = name_problem(out["name"])
        if problem is not None:  # a collector's name becomes a file name
            problems.append(f"{_where(table, number, raw, 'name')}: {problem}")
    return out


def _value(table: Table, name: str, value: Any) -> tuple[str | None, Any]:
    """(what is wrong or None, the value typed for its column)."""
    column = table.c[name]
    if value is None:
        return (None if column.nullable or column.primary_key else "is empty (null)"), None
    kind = getattr(column.type, "impl", column.type)  # SQLModel wraps String and DateTime in TypeDecorators
    if isinstance(kind, Boolean):
        return (None, value) if isinstance(value, bool) else (f"{_shown(value)} is not true or false", value)
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{_shown(value)} is not a whole number", value
        return (None, value) if value >= 0 else (f"{value} is negative", value)
    if isinstance(kind, Float):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        return (None, value) if ok else (f"{_shown(value)} is not a number of at least 0", value)
    if isinstance(kind, DateTime | Date):
        what = "time" if isinstance(kind, DateTime) else "date"
        if not isinstance(value, str):
            return f"{_shown(value)} is not a {what}", value
        try:
            return None, datetime.fromisoformat(value) if what == "time" else date.fromisoformat(value)
        except ValueError:
            return f"{_shown(value)} is not a real {what}", value
    if isinstance(kind, JSON):
        mapping = (table.name, name) in (("event", "payload"), ("notification", "context"))
        if isinstance(value, dict) or (isinstance(value, list) and not mapping):
            return None, value
        return f"{_shown(value)} is not a JSON {'object' if mapping else 'list or object'}", value
    if isinstance(kind, String):
        if not isinstance(value, str):
            return f"{_shown(value)} is not text", value
        return _text_problem(table.name, name, value), value
    return None, value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text_problem(table: str, name: str, value: str) -> str | None:
    if (table, name) in HASHES:
        return None if HEX64.fullmatch(value) else f"{_shown(value)} is not a SHA-256 (64 hex digits)"
    one_line = name in ONE_LINE
    for char in value:
        if unicodedata.category(char) == "Cc" and (one_line or char not in "\n\t\r"):
            return f"{_shown(value)} holds the control character U+{ord(char):04X}"
    if one_line and value != value.strip():
        return f"{_shown(value)} starts or ends with a blank"
    return None


def _check_program(key: str, typed: dict[str, list[dict[str, Any]]], problems: list[str]) -> None:
    rows = typed.get("program", [])
    if len(rows) != 1:
        problems.append(f"table program: {len(rows)} rows (an export holds exactly one program)")
        return
    if rows[0].get("key") != key:
        problems.append(f"table program, field key: {rows[0].get('key')!r} is not the export's program {key!r}")
    if not is_key(str(rows[0].get("key"))):
        problems.append(f"table program, field key: {_shown(rows[0].get('key'))} is not a program key")


def _check_references(known: dict[str, Table], typed: dict[str, list[dict[str, Any]]],
                      catalog_ids: Callable[[str, set[Any]], set[Any]], problems: list[str]) -> None:
    ids: dict[str, set[Any]] = {}
    for name, rows in typed.items():
        if "id" in known[name].c:
            seen = [r.get("id") for r in rows]
            ids[name] = set(seen)
            twice = sorted({i for i in seen if seen.count(i) > 1}, key=repr) if len(ids[name]) < len(seen) else []
            problems.extend(f"table {name}, row id {i}: appears twice" for i in twice[:SHOWN])
    program_id = typed["program"][0].get("id")
    for name, rows in typed.items():
        for column in known[name].c:
            for fk in column.foreign_keys:
                target = fk.column.table.name
                values = {r[column.name] for r in rows if r.get(column.name) is not None}
                present = ids[target] if target in ids else catalog_ids(target, values)
                for r in rows:
                    value = r.get(column.name)
                    if value is None:
                        continue
                    if target == "program" and value != program_id:
                        problems.append(f"table {name}, row id {r.get('id')!r}, field {column.name}: {value!r} is "
                                        "not the exported program's id")
                    elif value not in present:
                        problems.append(f"table {name}, row id {r.get('id')!r}, field {column.name}: {target} "
                                        f"{value!r} is not in the file")


def _check_trail(key: str, typed: dict[str, list[dict[str, Any]]], problems: list[str]) -> None:
    events = [Event(**row) for row in typed.get("event", [])]
    heads = typed.get("trail_head", [])
    if len(heads) > 1:
        problems.append(f"table trail_head: {len(heads)} rows (a program's trail has one head)")
        return
    head = (heads[0]["seq"], heads[0]["hash"]) if heads else (0, GENESIS)
    problems.extend(f"trail: {str(p).removeprefix(key + ': ')}" for p in verify_chain(key, events, head))
    if problems:
        return  # the states are judged against a trail that holds
    problems.extend(str(p) for p in row_problems(last_moves(events), typed))

