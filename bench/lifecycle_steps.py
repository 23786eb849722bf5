"""Benchmark: lifecycle steps per second through the service layer, against the same writes in direct SQL.

Two use cases, each one unit of work (one transaction) per step, the way the CLI runs them:

- `nc`: one step of a nonconformity's corrective-action loop (`aimsflow nc advance`,
  `nonconformities.advance_nonconformity`): load the NC, its round and the person, fire the trigger
  on the shared machine, write the NC and its corrective action with a version check, append a
  hash-chained event, commit.
- `work`: one work-item completion (`aimsflow work complete`, `completion.complete_work`): the
  assignee submits a deliverable and it is accepted (two transitions, two chained events, one
  versioned row write), commit.

The direct-SQL baseline does the same durable writes with the database driver alone (sqlite3 or
psycopg): BEGIN, read the row's version, UPDATE the row WHERE version matches, INSERT the chained
event(s) (and for an NC step the corrective action), move the trail head, COMMIT. `ratio` is direct
steps/s over service steps/s. On SQLite both use WAL with synchronous=FULL, as the product does.
Prints one JSON line per use case and database, with the machine, CPU count, load average and the
process CPU time per step (less sensitive than wall time to other work on the disk).

    python bench/lifecycle_steps.py [--steps 1200] [--completions 1200] [--database-url URL] [--repeat 1]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
from sweep import database

from aimsflow.services import audits, completion, findings, nonconformities, people, programs, work
from aimsflow.services.catalog import load_into
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from models.db import create_tables

LOOP = [("correct", "Olu"), ("analyse", "Olu"), ("plan", "Olu"), ("implement", "Olu"), ("verify", "Ines"),
        ("close", "Ines")]


def setup(engine: Engine, ncs: int, items: int) -> tuple[list[str], list[str]]:
    """A program with three people, `ncs` open minor nonconformities and `items` open deliverables."""
    create_tables(engine)
    with unit_of_work(engine) as uow:
        load_into(uow.session)
        key = programs.create_program(uow, name=f"Bench {time.time_ns()}", scope="bench", start=date(2027, 1, 4))
    with unit_of_work(engine) as uow:
        program = get_program(uow.session, key)
        people.add_person(uow, program, name="Olu", roles=["owner"])
        people.add_person(uow, program, name="Ines", roles=["internal-auditor"])
        people.add_person(uow, program, name="Pat", roles=["program-manager"])
    with unit_of_work(engine) as uow:
        program = get_program(uow.session, key)
        audit = audits.schedule_audit(uow, program, "internal", on=date(2027, 2, 1), auditors=["Ines"],
                                      scope=["9.1"])
        ncs_refs = [findings.add_finding(uow, audit, severity="minor", ref_id="9.1",
                                         text=f"finding {i}")["nonconformity"] for i in range(ncs)]
    with unit_of_work(engine) as uow:
        program = get_program(uow.session, key)
        item_refs = [work.open_item(uow, program, key=f"bench:{i}", kind="deliverable", subject=f"deliverable {i}",
                                    title=f"Deliverable {i}", role="owner", due=date(2027, 3, 1), phase=None,
                                    actor="bench")
                     for i in range(items)]
    return ncs_refs, [r for r in item_refs if r]


def _timed(steps: Iterator[None]) -> dict[str, float]:
    started, cpu = time.perf_counter(), time.process_time()
    done = sum(1 for _ in steps)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {"steps": done, "seconds": round(seconds, 3), "steps_per_second": round(done / seconds, 1),
            "cpu_ms_per_step": round(1000 * cpu_seconds / done, 3)}


def service_nc_steps(engine: Engine, refs: list[str], steps: int) -> Iterator[None]:
    done = 0
    for ref in refs:
        for trigger, who in LOOP:
            if done == steps:
                return
            with unit_of_work(engine) as uow:
                nonconformities.advance_nonconformity(uow, ref, trigger, by=who, note="bench",
                                                      effective=True if trigger == "verify" else None)
            done += 1
            yield


def service_completions(engine: Engine, refs: list[str]) -> Iterator[None]:
    for ref in refs:
        with unit_of_work(engine) as uow:
            completion.complete_work(uow, ref, by="Olu", note="done")
        yield


# --- the same writes in direct SQL ------------------------------------------------------------------

DDL = [
    "CREATE TABLE direct_nc (id INTEGER PRIMARY KEY, state TEXT, version INT)",
    "CREATE TABLE direct_action (id INTEGER PRIMARY KEY, nc_id INT, note TEXT, version INT)",
    "CREATE TABLE direct_item (id INTEGER PRIMARY KEY, state TEXT, note TEXT, version INT)",
    "CREATE TABLE direct_event (id SERIAL PRIMARY KEY, seq INT UNIQUE, row_ref TEXT, to_state TEXT, prev_hash TEXT, "
    "hash TEXT)",
    "CREATE TABLE direct_head (id INT PRIMARY KEY, seq INT, hash TEXT)",
]


class Direct:
    """A bare DB-API connection: sqlite3 (WAL, synchronous=FULL, BEGIN IMMEDIATE) or psycopg."""

    def __init__(self, connect: Callable[[], Any], sqlite: bool, rows: int) -> None:
        self.sqlite = sqlite
        self.conn = connect()
        self.mark = "?" if sqlite else "%s"
        ddl = [d.replace("SERIAL", "INTEGER") if sqlite else d for d in DDL]
        ids = [(i,) for i in range(rows)]
        self.run_script(ddl, [("INSERT INTO direct_nc (id, state, version) VALUES (?, 'raised', 1)", ids),
                              ("INSERT INTO direct_action (id, nc_id, version) VALUES (?, ?, 1)",
                               [(i, i) for (i,) in ids]),
                              ("INSERT INTO direct_item (id, state, version) VALUES (?, 'open', 1)", ids),
                              ("INSERT INTO direct_head (id, seq, hash) VALUES (1, 0, ?)", [("0" * 64,)])])
        self.seq, self.prev = 0, "0" * 64

    def run_script(self, ddl: list[str], data: list[tuple[str, list[tuple[Any, ...]]]]) -> None:
        cur = self.conn.cursor()
        self.begin(cur)
        for statement in ddl:
            cur.execute(statement)
        for statement, rows in data:
            cur.executemany(statement.replace("?", self.mark), rows)
        self.conn.commit() if not self.sqlite else cur.execute("COMMIT")

    def begin(self, cur: Any) -> None:
        if self.sqlite:
            cur.execute("BEGIN IMMEDIATE")

    def q(self, sql: str) -> str:
        return sql.replace("?", self.mark)

    def event(self, cur: Any, row_ref: str, to_state: str) -> None:
        self.seq += 1
        digest = hashlib.sha256(f"{self.seq}{row_ref}{to_state}{self.prev}".encode()).hexdigest()
        cur.execute(self.q("INSERT INTO direct_event (seq, row_ref, to_state, prev_hash, hash) VALUES (?,?,?,?,?)"),
                    (self.seq, row_ref, to_state, self.prev, digest))
        self.prev = digest

    def step(self, table: str, row_id: int, state: str, events: list[str], also: str | None = None) -> None:
        cur = self.conn.cursor()
        self.begin(cur)
        cur.execute(self.q(f"SELECT version FROM direct_{table} WHERE id=?"), (row_id,))
        (version,) = cur.fetchone()
        cur.execute(self.q(f"UPDATE direct_{table} SET state=?, version=? WHERE id=? AND version=?"),
                    (state, version + 1, row_id, version))
        if also:
            cur.execute(self.q("UPDATE direct_action SET note=?, version=version+1 WHERE nc_id=?"), (also, row_id))
        for to_state in events:
            self.event(cur, f"{table}-{row_id}", to_state)
        cur.execute(self.q("UPDATE direct_head SET seq=?, hash=? WHERE id=1"), (self.seq, self.prev))
        if self.sqlite:
            cur.execute("COMMIT")
        else:
            self.conn.commit()

    def close(self) -> None:
        self.conn.close()


def direct_nc_steps(direct: Direct, steps: int) -> Iterator[None]:
    for step in range(steps):
        nc_id, trigger = step // len(LOOP), LOOP[step % len(LOOP)][0]
        direct.step("nc", nc_id, trigger, [trigger], also=trigger)
        yield


def direct_completions(direct: Direct, count: int) -> Iterator[None]:
    for item_id in range(count):
        direct.step("item", item_id, "accepted", ["submitted", "accepted"])
        yield


@contextmanager
def direct_connection(url: str, folder: Path, rows: int) -> Iterator[Direct]:
    if url.startswith("sqlite"):
        def connect() -> sqlite3.Connection:
            conn = sqlite3.connect(folder / f"direct-{time.time_ns()}.db", isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            return conn
        direct = Direct(connect, True, rows)
    else:
        import psycopg

        options = dict(make_url(url).query).get("options")
        plain = make_url(url).set(query={}).render_as_string(hide_password=False)
        direct = Direct(lambda: psycopg.connect(plain, options=str(options or "")), False, rows)
    try:
        yield direct
    finally:
        direct.close()


def machine() -> dict[str, object]:
    return {"machine": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def measure(base_url: str | None, folder: Path, steps: int, completions: int) -> None:
    ncs = steps // len(LOOP) + 1
    with database(base_url, folder, f"steps-{time.time_ns()}") as (kind, engine):
        nc_refs, item_refs = setup(engine, ncs, completions)
        url = engine.url.render_as_string(hide_password=False)
        rows = max(ncs, completions) + 1
        results = {
            "nc": (_timed(service_nc_steps(engine, nc_refs, steps)), "nonconformity-loop steps"),
            "work": (_timed(service_completions(engine, item_refs)), "work-item completions (submit + accept)"),
        }
        with direct_connection(url, folder, rows) as direct:
            baseline = {"nc": _timed(direct_nc_steps(direct, steps)),
                        "work": _timed(direct_completions(direct, len(item_refs)))}
    for use_case, (service, what) in results.items():
        print(json.dumps({"bench": "transitions", "use_case": use_case, "what": what, "database": kind,
                          "service": service, "direct_sql": baseline[use_case],
                          "ratio": round(baseline[use_case]["steps_per_second"] / service["steps_per_second"], 2),
                          **machine()}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", type=int, default=1200, help="nonconformity-loop steps")
    parser.add_argument("--completions", type=int, default=1200, help="work-item completions")
    parser.add_argument("--repeat", type=int, default=1, help="measure each database this many times")
    parser.add_argument("--database-url", default=os.environ.get("AIMSFLOW_BENCH_DATABASE_URL"),
                        help="also measure on this PostgreSQL database, in a fresh schema "
                             "(e.g. postgresql://postgres@127.0.0.1:5432/test)")
    parser.add_argument("--sqlite-dir", default=None,
                        help="where the SQLite files go (default: the system's temporary folder; /dev/shm takes "
                             "the disk out of the figure, to see the CPU cost alone)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aimsflow-bench-steps-", dir=args.sqlite_dir) as tmp:
        for _ in range(args.repeat):
            measure(None, Path(tmp), args.steps, args.completions)
            if args.database_url:
                measure(args.database_url, Path(tmp), args.steps, args.completions)


if __name__ == "__main__":
    main()
