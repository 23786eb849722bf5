"""Fault fixtures: whole-database dumps, a program with open work, and `aimsflow` processes started together.

A fault test checks what the user sees (one clear line, a non-zero exit, never a traceback) and
what the record holds afterwards (a dump of every table, compared before and after).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_main
from tests.dumps import Dump, difference

PROGRAM = "acme-robotics"
PM, OWNER, TOP, AUDITOR = "Pat Manager", "Olu Owner", "Tess Board", "Ines Auditor"
START = "2027-01-04"
# Examples per property test; raise it to hunt (AIMSFLOW_FAULT_EXAMPLES=2000 pytest tests/faults -k property).
EXAMPLES = int(os.environ.get("AIMSFLOW_FAULT_EXAMPLES", "50"))
INTERNAL_ERROR = 70  # what main() exits with when a bug escapes as an exception


# --- the database, dumped whole -----------------------------------------------------------------


def assert_unchanged(before: Dump, after: Dump) -> None:
    assert after == before, "the database changed after an error:\n" + difference(before, after)


# --- what a command printed -------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def __str__(self) -> str:
        return (f"$ aimsflow {' '.join(self.args)}\nexit {self.returncode}\n"
                f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}")


def assert_clear_error(outcome: Outcome) -> str:
    """Non-zero exit, not an internal error, exactly one line on stderr, no traceback; returns the line."""
    assert outcome.returncode != 0, f"expected an error:\n{outcome}"
    assert "Traceback" not in outcome.stderr + outcome.stdout, f"a traceback reached the user:\n{outcome}"
    assert outcome.returncode != INTERNAL_ERROR, f"an internal error (a bug) instead of a clear error:\n{outcome}"
    assert len(outcome.error_lines) == 1, f"expected exactly one line on stderr:\n{outcome}"
    return outcome.error_lines[0]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMSFLOW_")}
    env.update(extra)
    return env


# Imports aimsflow first, says it is ready, and runs main() only when the go-file appears: two of
# these start their commands within a millisecond or so of each other.
_STARTER = """
import sys, time
from pathlib import Path
from aimsflow.cli import main
ready, go = Path(sys.argv[1]), Path(sys.argv[2])
ready.touch()
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.0005)
sys.argv = ["aimsflow", *sys.argv[3:]]
main()
"""


def run_together(env: dict[str, str], folder: Path, commands: Sequence[Sequence[str]],
                 preexec: Any = None) -> list[Outcome]:
    """Start `aimsflow` processes, let each import everything, then release them at the same instant."""
    folder.mkdir(parents=True, exist_ok=True)
    go = folder / "go"
    go.unlink(missing_ok=True)
    procs = []
    for n, args in enumerate(commands):
        ready = folder / f"ready-{n}"
        ready.unlink(missing_ok=True)
        procs.append((ready, subprocess.Popen(
            [sys.executable, "-c", _STARTER, str(ready), str(go), *args], env=env, cwd=folder,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec)))
    deadline = time.monotonic() + 90
    while not all(r.exists() or p.poll() is not None for r, p in procs) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    outcomes = []
    for (_ready, proc), args in zip(procs, commands, strict=True):
        out, err = proc.communicate(timeout=120)
        outcomes.append(Outcome(tuple(args), proc.returncode, out, err))
    return outcomes


def in_process(*args: str) -> Outcome:
    """`aimsflow ARGS` through the same main() in this process (no interpreter start-up)."""
    result = run_main(*args)
    return Outcome(result.args, result.returncode, result.stdout, result.stderr)


class InProcess:
    """The `run` fixture's interface (ok, json) for module-scoped set-ups."""

    def __call__(self, *args: str) -> Outcome:
        return in_process(*args)

    def ok(self, *args: str) -> Outcome:
        outcome = in_process(*args)
        assert outcome.returncode == 0, f"expected success:\n{outcome}"
        return outcome

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json").stdout)


# --- a program with open work -----------------------------------------------------------------------


def start_program(run: Any) -> None:
    """init, the simulated clock, a program in gap analysis and its people (who get its open work)."""
    run.ok("init")
    run.ok("clock", "set", START, "--no-checks")
    run.ok("program", "create", "Acme Robotics", "--scope", "AI systems of Acme's warehouse robots",
           "--start", START)
    for name, role in ((PM, "program-manager"), (OWNER, "owner"), (TOP, "top-management"),
                       (AUDITOR, "internal-auditor")):
        run.ok("people", "add", PROGRAM, name, "--role", role)


@pytest.fixture
def started(run: Any) -> Any:
    """`run` (aimsflow in this process) on a database holding a program with open work."""
    start_program(run)
    return run


def first_item(run: Any, kind: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = run.json("work", "list", PROGRAM)
    return next(i for i in items if i["kind"] == kind and i["state"] == "open")


@contextlib.contextmanager
def in_process_database(folder: Path) -> Iterator[str]:
    """AIMSFLOW_* pointed at a SQLite file and an evidence store in FOLDER, and the working folder
    there, for a block of in-process commands (module-scoped set-ups, which hypothesis needs)."""
    from models.db import engine_for

    url = f"sqlite:///{folder / 'aimsflow.db'}"
    # AIMSFLOW_TEST_DATABASE_URL is the suite's own setting, not the CLI's: it stays, so that the
    # PostgreSQL variants of the module's tests still see it while this set-up is in place.
    saved = {k: v for k, v in os.environ.items() if k.startswith("AIMSFLOW_") and k != "AIMSFLOW_TEST_DATABASE_URL"}
    for key in saved:
        del os.environ[key]
    os.environ.update(AIMSFLOW_DATABASE_URL=url, AIMSFLOW_EVIDENCE_DIR=str(folder / "evidence"))
    cwd = Path.cwd()
    os.chdir(folder)
    try:
        yield url
    finally:
        os.chdir(cwd)
        engine_for(url).dispose()
        engine_for.cache_clear()
        for key in [k for k in os.environ if k.startswith("AIMSFLOW_") and k != "AIMSFLOW_TEST_DATABASE_URL"]:
            del os.environ[key]
        os.environ.update(saved)
