"""Export a whole program to JSON and import it into another database.

Rows are tied together by the program's key and by the foreign keys the tables declare, not by the
database's ids: on import each row's id is kept when it is free and renumbered when it is not,
and every reference to it follows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, func, inspect, select, text
from sqlmodel import SQLModel

from aimsflow.errors import Conflict, InvalidInput
from aimsflow.limits import PATH_SHOWN, clip
from aimsflow.row_states import IMPORT_TRIGGER, RENUMBERABLE, RENUMBERED
from aimsflow.services.export_check import check_export, program_tables
from aimsflow.uow import UnitOfWork
from aimsflow.userfiles import read_text, write_atomically
from models import Program

FORMAT = "aimsflow-program-export/1"


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
    for table in program_tables():
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


def import_program(uow: UnitOfWork, data: dict[str, Any]) -> dict[str, int]:
    """Insert an exported program, checked whole first (values, references, trail, states); returns rows per table.

    Refused, with nothing written, when any check fails or its key exists. A row whose id is taken
    is renumbered; references follow, and the trail records the renumbering (row_states).
    """
    conn = uow.session.connection()
    checked = check_export(data, lambda table, ids: _existing(uow, table, ids))
    key = checked.key
    program_table: Table = Program.__table__  # type: ignore[attr-defined]
    if conn.execute(select(program_table.c.id).where(program_table.c.key == key)).first():
        raise Conflict(f"program '{key}' already exists in this database; nothing was imported")
    id_maps: dict[str, dict[Any, Any]] = {}
    counts: dict[str, int] = {}
    renumbered: dict[str, str] = {}
    order = [program_table, *program_tables()]
    for table in order:
        rows = checked.tables.get(table.name, [])
        mapping: dict[Any, Any] = {}
        pk = table.c.get("id")
        for typed in rows:
            row = dict(typed)
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
                binding = RENUMBERABLE.get(table.name)
                if binding is not None and mapping[old] != old:
                    renumbered[binding.ref({"id": old}, {})] = binding.ref({"id": mapping[old]}, {})
            else:
                conn.execute(table.insert().values(**row))
        id_maps[table.name] = mapping
        counts[table.name] = len(rows)
    if renumbered:
        # The trail names rows by their ids: it records the new ones, so its states still bind to the rows.
        imported = _Imported(id_maps["program"][checked.tables["program"][0]["id"]], key)
        uow.record(imported, actor="import", lifecycle="program", row_ref="program", trigger=IMPORT_TRIGGER,
                   payload={RENUMBERED: renumbered})
    _reset_sequences(uow, order)
    return counts


@dataclass(frozen=True)
class _Imported:
    id: int
    key: str


def _existing(uow: UnitOfWork, table: str, ids: set[Any]) -> set[Any]:
    """Which of `ids` a table outside the program (the catalog) holds."""
    if not ids:
        return set()
    target = SQLModel.metadata.tables[table]
    found = uow.session.connection().execute(select(target.c.id).where(target.c.id.in_(sorted(ids))))
    return {r[0] for r in found}


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
