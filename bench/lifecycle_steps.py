"""Benchmark: lifecycle steps per second through the service layer, against the same writes in direct SQL.

A step is one use case in one transaction: load the row, fire the trigger on the shared machine,
check the version, write the new state and a hash-chained event, commit. Prints JSON lines.

    python bench/lifecycle_steps.py [--steps 2000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

from aimsflow.services import audits, nonconformities, people, programs
from aimsflow.services.catalog import load_into
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from models.db import create_tables, engine_for

LOOP = [("correct", "Olu"), ("analyse", "Olu"), ("plan", "Olu"), ("implement", "Olu"), ("verify", "Ines"),
        ("close", "Ines")]


def setup(url: str, ncs: int) -> list[str]:
    engine = engine_for(url)
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
        refs = [audits.add_finding(uow, audit, severity="minor", ref_id="9.1", text=f"finding {i}")["nonconformity"]
                for i in range(ncs)]
    return refs


def engine_steps(url: str, steps: int) -> dict[str, float]:
    refs = setup(url, steps // len(LOOP) + 1)
    engine = engine_for(url)
    done = 0
    started = time.perf_counter()
    for ref in refs:
        for trigger, who in LOOP:
            if done == steps:
                break
            with unit_of_work(engine) as uow:
                nonconformities.advance_nonconformity(uow, ref, trigger, by=who, note="bench",
                                                      effective=True if trigger == "verify" else None)
            done += 1
    seconds = time.perf_counter() - started
    return {"steps": done, "seconds": round(seconds, 3), "steps_per_second": round(done / seconds, 1)}


def direct_sqlite(steps: int, folder: Path) -> dict[str, float]:
    """The same durable writes without the engine: UPDATE state+version, INSERT a chained event, COMMIT."""
    path = folder / "direct.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE nc (id INTEGER PRIMARY KEY, state TEXT, version INT)")
    conn.execute("CREATE TABLE event (id INTEGER PRIMARY KEY, seq INT UNIQUE, row_ref TEXT, to_state TEXT, "
                 "prev_hash TEXT, hash TEXT)")
    conn.executemany("INSERT INTO nc (id, state, version) VALUES (?, 'raised', 1)",
                     [(i,) for i in range(steps // len(LOOP) + 1)])
    prev = "0" * 64
    started = time.perf_counter()
    for step in range(steps):
        seq = step + 1
        nc_id, trigger = step // len(LOOP), LOOP[step % len(LOOP)][0]
        conn.execute("BEGIN IMMEDIATE")
        (version,) = conn.execute("SELECT version FROM nc WHERE id=?", (nc_id,)).fetchone()
        conn.execute("UPDATE nc SET state=?, version=? WHERE id=? AND version=?",
                     (trigger, version + 1, nc_id, version))
        digest = hashlib.sha256(f"{seq}{nc_id}{trigger}{prev}".encode()).hexdigest()
        conn.execute("INSERT INTO event (seq, row_ref, to_state, prev_hash, hash) VALUES (?,?,?,?,?)",
                     (seq, f"NC-{nc_id}", trigger, prev, digest))
        conn.execute("COMMIT")
        prev = digest
    seconds = time.perf_counter() - started
    conn.close()
    return {"steps": steps, "seconds": round(seconds, 3), "steps_per_second": round(steps / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--database-url", default=os.environ.get("AIMSFLOW_BENCH_DATABASE_URL"),
                        help="also measure on this database (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    args = parser.parse_args()
    machine = {"machine": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = engine_steps(f"sqlite:///{folder / 'engine.db'}", args.steps)
        direct = direct_sqlite(args.steps, folder)
        print(json.dumps({"bench": "transitions", "database": "sqlite (WAL, synchronous=FULL)", "engine": engine,
                          "direct_sql": direct,
                          "ratio": round(direct["steps_per_second"] / engine["steps_per_second"], 2), **machine}))
    if args.database_url:
        pg = engine_steps(args.database_url, args.steps)
        print(json.dumps({"bench": "transitions", "database": "postgresql", "engine": pg, **machine}))


if __name__ == "__main__":
    main()
