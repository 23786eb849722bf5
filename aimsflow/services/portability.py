"""Export a whole program to JSON and import it into another database.

Rows are tied together by the program's key and by the foreign keys the tables declare, not by the
database's ids: on import each row's id is kept when it is free and renumbered when it is not,
and every reference to it follows.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, Table, func, inspect, select, text
from sqlmodel import SQLModel

from aimsflow.errors import Conflict, InvalidInput
from aimsflow.limits import PATH_SHOWN, clip
from aimsflow.uow import UnitOfWork
from aimsflow.userfiles import read_text, write_atomically
from models import Program

FORMAT = "aimsflow-program-export/1"


def _program_tables() -> list[Table]:
    """Tables whose rows belong to a program, parents before children."""
    return [t for t in SQLModel.metadata.sorted_tables if "program_id" in t.c and t.name != "program"]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export_program(uow: UnitOfWork, program: Program) -> dict[str, Any]:
    """Every row of a program, its states and its trail, as plain JSON-ready data."""
    conn = uow.session.connection()
    program_table: Table = Program.__table__  # type: ignore[attr-defined]
    tables: dict[str, list[dict[str, Any]]] = {
        "program": [{k: _plain(v) for k, v in r._mapping.items()}
                    for r in conn.execute(select(program_table).where(program_table.c.id == program.id))]}
    for table in _program_tables():
        rows = conn.execute(select(table).where(table.c.program_id == program.id).order_by(*table.primary_key.c))
        tables[table.name] = [{k: _plain(v) for k, v in r._mapping.items()} for r in rows]
    return {"format": FORMAT, "program": program.key, "exported_at": uow.now.isoformat(), "tables": tables}


def write_export(data: dict[str, Any], path: str) -> None:
    """Write an export to a file (whole or not at all: through a temporary file)."""
    write_atomically(path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False), "export file")


def read_export(path: str) -> dict[str, Any]:
    """Read an export file, or InvalidInput when it is not one."""
    text = read_text(path, "export file", "export")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"export file {clip(path, PATH_SHOWN)}: not a JSON export ({exc})") from None
    except RecursionError:
        raise InvalidInput(f"export file {clip(path, PATH_SHOWN)}: nested too deeply") from None
    where = f"export file {clip(path, PATH_SHOWN)}"
    if not isinstance(data, dict) or data.get("format") != FORMAT or "tables" not in data:
        raise InvalidInput(f"{where}: not an aimsflow program export (expected format {FORMAT})")
    # Its shape, before any row is read: a list where an object belongs must not reach the importer.
    if not isinstance(data.get("program"), str) or not isinstance(data["tables"], dict):
        raise InvalidInput(f"{where}: needs a program key (text) and tables (an object of lists)")
    for name, rows in data["tables"].items():
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise InvalidInput(f"{where}: table {clip(name)} must be a list of objects (one per row)")
    return data


def _temporal(table: Table, name: str) -> type | None:
    column_type = table.c[name].type
    impl = getattr(column_type, "impl", column_type)  # SQLModel wraps DateTime in a TypeDecorator
    if isinstance(impl, DateTime):
        return datetime
    if isinstance(impl, Date):
        return date
    return None


def _coerce(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in row.items():
        if name not in table.c:
            raise InvalidInput(f"export: table {table.name} has no column {name} (exported by another version?)")
        kind = _temporal(table, name)
        if isinstance(value, str) and kind is not None:
            value = kind.fromisoformat(value)  # type: ignore[attr-defined]
        out[name] = value
    return out


def import_program(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, int]:
    """Insert an exported program; refused if its key exists. Returns rows per table."""
    key = data["program"]
    conn = uow.session.connection()
    program_table: Table = Program.__table__  # type: ignore[attr-defined]
    if conn.execute(select(program_table.c.id).where(program_table.c.key == key)).first():
        raise Conflict(f"program '{key}' already exists in this database; nothing was imported")
    id_maps: dict[str, dict[Any, Any]] = {}
    counts: dict[str, int] = {}
    order = [program_table, *_program_tables()]
    for table in order:
        rows = data["tables"].get(table.name, [])
        mapping: dict[Any, Any] = {}
        pk = table.c.get("id")
        for raw in rows:
            row = _coerce(table, raw)
            for column in table.c:
                for fk in column.foreign_keys:
                    target = fk.column.table.name
                    if target in id_maps and row.get(column.name) is not None:
                        row[column.name] = id_maps[target][row[column.name]]
            if pk is not None and "id" in row:
                old = row["id"]
                taken = conn.execute(select(pk).where(pk == old)).first() is not None
                if taken:
                    del row["id"]
                result = conn.execute(table.insert().values(**row))
                mapping[old] = result.inserted_primary_key[0] if taken else old  # type: ignore[index]
            else:
                conn.execute(table.insert().values(**row))
        id_maps[table.name] = mapping
        counts[table.name] = len(rows)
    _reset_sequences(uow, order)
    return counts


def _reset_sequences(uow: UnitOfWork, tables: list[Table]) -> None:
    """PostgreSQL does not move a serial's sequence past ids inserted explicitly: move it."""
    conn = uow.session.connection()
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.c and inspect(table.c.id).autoincrement in (True, "auto"):
            top = conn.execute(select(func.max(table.c.id))).scalar()
            if top is not None:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), :top)"),
                             {"top": top})
