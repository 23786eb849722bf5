"""`clock advance` over three programs killed with SIGKILL at any point, then run again: the same database.

Three programs with open work (so a month's daily checks mark items overdue, escalate and remind)
start from one SQLite file, copied for each case. The reference advances the clock a month twice,
uninterrupted. Each case starts the first advance in a process of its own and kills it at one point,
found by watching the database from outside (never a hook in the product): as soon as the clock has
moved and every program's checks are due, once one or two programs' checks have run, or after a delay
from the start (which lands anywhere: before the clock moves, between programs, mid-transaction).
Then `clock advance 1m` runs again until the clock reaches the reference's date (twice when the kill
came before the clock moved), and the whole database, dumped, equals the reference.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.dumps import difference, dump
from tests.faults.conftest import InProcess, clean_env, in_process_database

PROGRAMS = ("north", "east", "south")
START = "2027-01-04"
DUE = "daily_check.due:"


def _aimsflow(db: Path, *args: str) -> subprocess.Popen[str]:
    env = clean_env(AIMSFLOW_DATABASE_URL=f"sqlite:///{db}", AIMSFLOW_EVIDENCE_DIR=str(db.parent / "evidence"))
    return subprocess.Popen([sys.executable, "-c", "from aimsflow.cli import main; main()", *args], env=env,
                            cwd=db.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _advance(db: Path) -> None:
    proc = _aimsflow(db, "clock", "advance", "1m")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"clock advance failed ({proc.returncode}):\n{out}\n{err}"


def _read(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:  # read-write: it recovers a killed writer's WAL
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:  # a table not there yet, or the writer's lock: not seen yet
            return []


def _clock(db: Path) -> str:
    rows = _read(db, "SELECT value FROM setting WHERE key = 'clock.simulated_now'")
    return rows[0][0] if rows else ""


def _due(db: Path) -> int:
    return len(_read(db, f"SELECT key FROM setting WHERE key LIKE '{DUE}%'"))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three programs in gap analysis with their people, the clock at START: one SQLite file."""
    folder = tmp_path_factory.mktemp("clock-killed-template")
    with in_process_database(folder):
        run = InProcess()
        run.ok("init")
        run.ok("clock", "set", START, "--no-checks")
        for key in PROGRAMS:
            run.ok("program", "create", f"{key.title()} Ltd", "--scope", "claims AI", "--start", START, "--key", key)
            for name, role in ((f"{key} manager", "program-manager"), (f"{key} owner", "owner"),
                               (f"{key} board", "top-management")):
                run.ok("people", "add", key, name.title(), "--role", role)
    return folder / "aimsflow.db"


def _copy(template: Path, folder: Path) -> Path:
    folder.mkdir()
    db = folder / "aimsflow.db"
    with contextlib.closing(sqlite3.connect(template)) as source, contextlib.closing(sqlite3.connect(db)) as target:
        source.backup(target)  # the WAL's pages included
    return db


@pytest.fixture(scope="module")
def reference(template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    """The clock and the dump after two uninterrupted `clock advance 1m`."""
    db = _copy(template, tmp_path_factory.mktemp("clock-reference") / "db")
    _advance(db)
    _advance(db)
    return _clock(db), dump(f"sqlite:///{db}")


def _when_clock_moved(db: Path) -> bool:
    return _clock(db) > f"{START}T23"


STATES = ("every program's checks due", "one program's checks done", "two programs' checks done")
KILL_POINTS: dict[str, Callable[[Path], bool]] = {
    "every program's checks due": lambda db: _when_clock_moved(db) and _due(db) == len(PROGRAMS),
    "one program's checks done": lambda db: _when_clock_moved(db) and _due(db) == len(PROGRAMS) - 1,
    "two programs' checks done": lambda db: _when_clock_moved(db) and _due(db) == 1,
    "before anything": lambda db: True,
    **{f"{ms} ms after the clock moved": None for ms in (0, 30, 60, 120, 250, 500)},  # type: ignore[dict-item]
}
for _name in [n for n, w in KILL_POINTS.items() if w is None]:
    KILL_POINTS[_name] = (lambda ms, t0: lambda db: _since(t0, db) * 1000 >= ms)(int(_name.split()[0]), [0.0])


def _since(t0: list[float], db: Path) -> float:
    """Seconds since the watcher first saw the clock moved (0 until then)."""
    if not t0[0]:
        if not _when_clock_moved(db):
            return -1.0
        t0[0] = time.monotonic()
    return time.monotonic() - t0[0]


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_clock_advance_killed_at_any_point_then_run_again_ends_as_an_uninterrupted_run(
        template: Path, reference: tuple[str, Any], tmp_path: Path, point: str) -> None:
    ref_clock, ref_dump = reference
    db = _copy(template, tmp_path / "db")
    watch = KILL_POINTS[point]
    proc = _aimsflow(db, "clock", "advance", "1m")
    landed = False
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if watch(db):
                os.killpg(proc.pid, signal.SIGSTOP)  # frozen where it stands while the test looks
                landed = watch(db) if point in STATES else True
                break
            time.sleep(0.002)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
    if point in STATES:
        assert landed, f"the kill did not land {point} (the run ended first or the state had passed)"
    for _ in range(3):
        if _clock(db) >= ref_clock:
            break
        _advance(db)
    assert _clock(db) == ref_clock
    assert _due(db) == 0
    got = dump(f"sqlite:///{db}")
    assert got == ref_dump, f"killed at {point}: the database differs from an uninterrupted run:\n" + difference(
        ref_dump, got)
    shutil.rmtree(tmp_path / "db", ignore_errors=True)
