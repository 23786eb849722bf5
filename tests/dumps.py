"""The database dumped whole: equal dumps mean an unchanged database (refusals, faults, owner forms)."""

from __future__ import annotations

import contextlib
import sqlite3

from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.pool import NullPool

Dump = dict[str, list[tuple[str, ...]]]


def dump(url: str) -> Dump:
    """Every row of every table, as sorted text tuples."""
    if url.startswith("sqlite:///"):
        return _dump_sqlite(url.removeprefix("sqlite:///"))
    engine = create_engine(url, poolclass=NullPool)
    try:
        metadata = MetaData()
        metadata.reflect(bind=engine)
        with engine.connect() as conn:
            return {name: sorted(tuple(repr(v) for v in row) for row in conn.execute(select(table)).all())
                    for name, table in sorted(metadata.tables.items())}
    finally:
        engine.dispose()


def _dump_sqlite(path: str) -> Dump:
    # sqlite3 directly: a tenth of the time of reflecting the schema, which property tests repeat.
    with contextlib.closing(sqlite3.connect(path)) as conn:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: sorted(tuple(repr(v) for v in row) for row in conn.execute(f'SELECT * FROM "{name}"'))
                for name in names}


def difference(before: Dump, after: Dump, limit: int = 40) -> str:
    """The rows one dump has and the other lacks, table by table (at most `limit` lines)."""
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = set(before.get(name, [])), set(after.get(name, []))
        lines += [f"{name}: - {row}" for row in sorted(old - new)]
        lines += [f"{name}: + {row}" for row in sorted(new - old)]
    return "\n".join(lines[:limit])
