"""Benchmark: the deadline sweep over many programs with many open work items, few of them due.

Builds the data with bulk inserts through SQLAlchemy Core into a fresh database (100 programs,
each with a program manager, a top manager, an owner and N open work items, a fraction of them due:
half within the reminder window, half late by 1-14 days), then sweeps every program the way
`aimsflow sweep` does (one unit of work per program) and prints one JSON line per shape. It then
sweeps again on the same simulated day and prints that run too: it must write nothing.

    python bench/sweep.py [--programs 100] [--shapes 1000:0.05,1000:0.02,500:0.10] [--database-url URL]

A shape is ITEMS_PER_PROGRAM:DUE_FRACTION. The default shapes hold the due items fixed while the
total halves (1000:0.05 against 500:0.10) and the total fixed while the due items fall (1000:0.02),
so the figures show which of the two the sweep's time follows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, func, insert, select, text
from sqlalchemy.pool import NullPool

from aimsflow import clock
from aimsflow.services.deadlines import sweep_deadlines
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from models import Event, Notification, Person, Program, RoleAssignment, Setting, WorkItem
from models.db import create_tables, engine_for

TODAY = date(2027, 6, 15)
BATCH = 5_000


def _row(obj: Any) -> dict[str, Any]:
    """A complete row for a Core insert, with the model's Python-side defaults filled in."""
    return {c.name: getattr(obj, c.name) for c in type(obj).__table__.columns}


def _due_in(i: int, due: int) -> int:
    """Days from today to item i's due date: the first `due` items alternate between the reminder
    window (0..6 days left) and late (1..14 days); the others fall due after the window."""
    if i >= due:
        return 8 + i % 170
    return (i // 2) % 7 if i % 2 == 0 else -(1 + (i // 2) % 14)


def build(engine: Engine, *, programs: int, items: int, due: float) -> dict[str, int]:
    """Fill a fresh database; returns what it holds."""
    create_tables(engine)
    stamp = clock.at_noon(TODAY - timedelta(days=60))
    program_rows, people, roles, work = [], [], [], []
    template = _row(WorkItem(program_id=1, key="k", kind="deliverable", subject="s", title="t", role="owner",
                             due_date=TODAY, created_at=stamp))
    due_per_program = round(items * due)
    item_id = 0
    for p in range(1, programs + 1):
        program_rows.append(_row(Program(id=p, key=f"client-{p:03d}", name=f"Client {p}", organization=f"Client {p}",
                                         scope="bench", start_date=TODAY - timedelta(days=60), created_at=stamp)))
        pm, top, owner = 3 * p - 2, 3 * p - 1, 3 * p
        for pid, name, role in ((pm, "Pat Manager", "program-manager"), (top, "Tess Board", "top-management"),
                                (owner, "Olu Owner", "owner")):
            people.append(_row(Person(id=pid, program_id=p, name=name, email=f"{pid}@bench.example")))
            roles.append(_row(RoleAssignment(id=pid, program_id=p, person_id=pid, role=role)))
        for i in range(items):
            item_id += 1
            work.append({**template, "id": item_id, "program_id": p, "key": f"item:{i}", "subject": f"subject {i}",
                         "title": f"Deliverable {i} of client {p}", "assignee_id": owner,
                         "due_date": TODAY + timedelta(days=_due_in(i, due_per_program))})
    with engine.begin() as conn:
        conn.execute(insert(Setting.__table__), [{"key": clock.CLOCK_KEY,  # type: ignore[attr-defined]
                                                  "value": clock.at_noon(TODAY).isoformat()}])
        for table, rows in ((Program.__table__, program_rows), (Person.__table__, people),  # type: ignore[attr-defined]
                            (RoleAssignment.__table__, roles), (WorkItem.__table__, work)):  # type: ignore[attr-defined]
            for start in range(0, len(rows), BATCH):
                conn.execute(insert(table), rows[start:start + BATCH])
    return {"programs": programs, "items": programs * items, "due_items": programs * due_per_program}


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {"events": conn.execute(select(func.count()).select_from(Event.__table__)).scalar_one(),  # type: ignore[attr-defined]
                "notifications": conn.execute(
                    select(func.count()).select_from(Notification.__table__)).scalar_one()}  # type: ignore[attr-defined]


def sweep_all(engine: Engine) -> dict[str, Any]:
    """Every program swept in a unit of work of its own, as `aimsflow sweep` does."""
    before = counts(engine)
    started, cpu = time.perf_counter(), time.process_time()
    with unit_of_work(engine) as uow:
        keys = list(uow.session.scalars(select(Program.__table__.c.key).order_by("key")))  # type: ignore[attr-defined]
    reminders = overdue = escalations = 0
    for key in keys:
        with unit_of_work(engine) as uow:
            result = sweep_deadlines(uow, get_program(uow.session, key))
        reminders += len(result.reminders)
        overdue += len(result.overdue)
        escalations += len(result.escalations)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    after = counts(engine)
    return {"seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3), "reminders": reminders,
            "overdue": overdue, "escalations": escalations,
            "new_events": after["events"] - before["events"],
            "new_notifications": after["notifications"] - before["notifications"]}


@contextmanager
def database(base_url: str | None, folder: Path, label: str) -> Iterator[tuple[str, Engine]]:
    """A fresh SQLite file, or a fresh schema on the given PostgreSQL database (dropped afterwards)."""
    if not base_url:
        url = f"sqlite:///{folder / f'sweep-{label}.db'}"
        engine = engine_for(url)
        try:
            yield "sqlite (WAL, synchronous=FULL)", engine
        finally:
            engine.dispose()
        return
    schema = f"aimsflow_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = base_url + ("&" if "?" in base_url else "?") + "options=" + quote(f"-csearch_path={schema}", safe="-")
    engine = engine_for(url)
    try:
        yield "postgresql", engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def machine() -> dict[str, object]:
    # The load average says how much other work skewed a figure (2 cores: above 2, they share).
    return {"machine": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--programs", type=int, default=100)
    parser.add_argument("--shapes", default="1000:0.05,1000:0.02,500:0.10",
                        help="ITEMS_PER_PROGRAM:DUE_FRACTION, comma-separated")
    parser.add_argument("--database-url", default=None,
                        help="run on this PostgreSQL database instead of a SQLite file (a fresh schema per shape)")
    parser.add_argument("--sqlite-dir", default=None,
                        help="where the SQLite files go (default: the system's temporary folder; /dev/shm takes "
                             "the disk out of the figure, to see the CPU cost alone)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aimsflow-bench-sweep-", dir=args.sqlite_dir) as tmp:
        for shape in args.shapes.split(","):
            items_text, due_text = shape.split(":")
            items, due = int(items_text), float(due_text)
            with database(args.database_url, Path(tmp), f"{items}-{due}") as (kind, engine):
                started = time.perf_counter()
                size = build(engine, programs=args.programs, items=items, due=due)
                built = time.perf_counter() - started
                first = sweep_all(engine)
                print(json.dumps({"bench": "sweep", "run": "first", **size, "due_fraction": due, **first,
                                  "build_seconds": round(built, 2), "database": kind, **machine()}), flush=True)
                again = sweep_all(engine)
                print(json.dumps({"bench": "sweep", "run": "second, same day", **size, "due_fraction": due, **again,
                                  "sent_nothing_twice": again["new_notifications"] == 0 and again["new_events"] == 0,
                                  "database": kind, **machine()}), flush=True)


if __name__ == "__main__":
    main()
