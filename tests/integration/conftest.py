"""Integration fixtures: a full dump of the database, and a builder that walks a program's journey.

The builder drives the command line only (the same commands a program manager types); it takes
two runners so a test can send the steps it asserts on through a subprocess (`cli`) and the bulk
of the set-up through the same `main()` in this process (`run`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, select
from sqlalchemy.pool import NullPool

from tests_support import Cli  # noqa: F401  (re-exported for type hints; see tests/conftest.py)

Dump = dict[str, list[tuple[str, ...]]]


# --- the database, dumped whole -----------------------------------------------------------------


def dump(url: str) -> Dump:
    """Every row of every table, as sorted text tuples: equal dumps mean an unchanged database."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        metadata = MetaData()
        metadata.reflect(bind=engine)
        out: Dump = {}
        with engine.connect() as conn:
            for name, table in sorted(metadata.tables.items()):
                rows = conn.execute(select(table)).all()
                out[name] = sorted(tuple(repr(v) for v in row) for row in rows)
        return out
    finally:
        engine.dispose()


def dump_difference(before: Dump, after: Dump) -> str:
    lines = []
    for name in sorted(set(before) | set(after)):
        old, new = set(before.get(name, [])), set(after.get(name, []))
        lines += [f"{name}: - {row}" for row in sorted(old - new)]
        lines += [f"{name}: + {row}" for row in sorted(new - old)]
    return "\n".join(lines)


@pytest.fixture
def unchanged(database_url: str) -> Callable[[], contextlib.AbstractContextManager[None]]:
    """`with unchanged(): ...` fails the test if the block changed any row of the database."""

    @contextlib.contextmanager
    def guard() -> Iterator[None]:
        before = dump(database_url)
        assert sum(map(len, before.values())) > 0, "the database is empty: nothing to compare"
        yield
        after = dump(database_url)
        assert after == before, "the database changed:\n" + dump_difference(before, after)

    return guard
