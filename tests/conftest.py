"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when configured) and the CLI.

`database_url` runs every test that uses it twice: on a SQLite file, and on PostgreSQL when
AIMSFLOW_TEST_DATABASE_URL is set (each test in a schema of its own, dropped afterwards). Without
that variable the PostgreSQL run is skipped, with its reason in the `-ra` summary.

`cli` runs the real command line in a subprocess, exactly as a user would; `run` calls the same
`main()` in this process, for the many setup steps whose only job is to reach a state quickly.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

REPO_ROOT = Path(__file__).resolve().parents[1]
PG_ENV = "AIMSFLOW_TEST_DATABASE_URL"
CLI_TIMEOUT = 120


# --- databases ----------------------------------------------------------------------------------


def _with_search_path(base_url: str, schema: str) -> str:
    """The base URL with libpq `options=-csearch_path=<schema>` added (psycopg 3 passes it on)."""
    option = "options=" + quote(f"-csearch_path={schema}", safe="-")
    return base_url + ("&" if "?" in base_url else "?") + option


def _admin_engine(base_url: str) -> Any:
    return create_engine(base_url, poolclass=NullPool)


@contextlib.contextmanager
def _postgres_schema(base_url: str) -> Iterator[str]:
    """A schema of its own for one test; the URL's search_path points at it; dropped afterwards."""
    if make_url(base_url).get_backend_name() != "postgresql":
        raise pytest.UsageError(f"{PG_ENV} must be a postgresql:// URL, not {base_url!r}")
    schema = f"aimsflow_test_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(base_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield _with_search_path(base_url, schema)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _close_pools_at_the_end() -> Iterator[None]:
    """Pooled connections left in cached engines are closed, not left for the garbage collector."""
    yield
    from models.db import dispose_all

    dispose_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test: a SQLite file, or a PostgreSQL schema of its own."""
    from models.db import engine_for

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'aimsflow.db'}"
        yield url
        engine_for(url).dispose()
        return
    base_url = os.environ.get(PG_ENV)
    if not base_url:
        pytest.skip(f"{PG_ENV} not set")
    with _postgres_schema(base_url) as url:
        yield url
        engine_for(url).dispose()  # close pooled connections before the schema is dropped


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL schema of its own, for behaviour only PostgreSQL has (row locks that others skip)."""
    from models.db import engine_for

    base_url = os.environ.get(PG_ENV)
    if not base_url:
        pytest.skip(f"{PG_ENV} not set")
    with _postgres_schema(base_url) as url:
        yield url
        engine_for(url).dispose()


# --- the command line ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CliResult:
    """What one command did: its exit code and both streams."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"`aimsflow {' '.join(self.args)}` did not print JSON ({exc}):\n{self}") from None

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def __str__(self) -> str:
        return (f"$ aimsflow {' '.join(self.args)}\nexit {self.returncode}\n"
                f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}")


class Cli:
    """Runs `aimsflow ARGS...` against one test's database and evidence folder."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def __call__(self, *args: str) -> CliResult:
        proc = subprocess.run(
            [sys.executable, "-c", "from aimsflow.cli import main; main()", *args],
            env=self.env, cwd=self.cwd, capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False,
        )
        return CliResult(tuple(args), proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str) -> CliResult:
        """Run a command that must succeed."""
        result = self(*args)
        assert result.returncode == 0, f"expected success:\n{result}"
        return result

    def json(self, *args: str) -> Any:
        """Run a command with --json that must succeed, and return what it printed."""
        return self.ok(*args, "--json").json()

    def refused(self, *args: str) -> CliResult:
        """Run a command that must be refused: non-zero exit, one line on stderr, no traceback."""
        result = self(*args)
        assert result.returncode != 0, f"expected a refusal:\n{result}"
        assert "Traceback" not in result.stderr, f"a traceback reached the user:\n{result}"
        assert len(result.error_lines) == 1, f"expected exactly one line on stderr:\n{result}"
        return result


def run_main(*args: str) -> CliResult:
    """`aimsflow ARGS` through the same main() in this process, its output captured."""
    from aimsflow.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    saved_argv = sys.argv
    sys.argv = ["aimsflow", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved_argv
    return CliResult(tuple(args), code, out.getvalue(), err.getvalue())


class InProcessCli(Cli):
    """The same `main()` called in this process: no interpreter start-up, for setup steps."""

    def __call__(self, *args: str) -> CliResult:
        return run_main(*args)


def initialized(url: str) -> str:
    """The database at URL made ready as `aimsflow init` makes it (only init creates one); returns URL."""
    from aimsflow.cli.app import initialize

    saved = os.environ.get("AIMSFLOW_DATABASE_URL")
    os.environ["AIMSFLOW_DATABASE_URL"] = url
    try:
        initialize()
    finally:
        if saved is None:
            del os.environ["AIMSFLOW_DATABASE_URL"]
        else:
            os.environ["AIMSFLOW_DATABASE_URL"] = saved
    return url


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of `aimsflow` on this test's database, initialized (`aimsflow init`), and evidence folder."""
    evidence = tmp_path / "evidence-store"
    evidence.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMSFLOW_")}
    env.update(AIMSFLOW_DATABASE_URL=initialized(database_url), AIMSFLOW_EVIDENCE_DIR=str(evidence))
    return env


@pytest.fixture
def cli(cli_env: dict[str, str], tmp_path: Path) -> Cli:
    """`aimsflow` in a subprocess, on this test's database (see `database_url`)."""
    work_dir = tmp_path / "cwd"
    work_dir.mkdir(exist_ok=True)
    return Cli(cli_env, work_dir)


@pytest.fixture
def run(cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InProcessCli]:
    """`aimsflow` called in this process, on this test's database: fast, for reaching a state."""
    from models.db import engine_for

    for key in [k for k in os.environ if k.startswith("AIMSFLOW_")]:
        monkeypatch.delenv(key)
    for key in ("AIMSFLOW_DATABASE_URL", "AIMSFLOW_EVIDENCE_DIR"):
        monkeypatch.setenv(key, cli_env[key])
    work_dir = tmp_path / "cwd"
    work_dir.mkdir(exist_ok=True)
    monkeypatch.chdir(work_dir)
    yield InProcessCli(cli_env, work_dir)
    # The engine is cached per URL: close its pooled connections before the database goes away.
    engine_for(cli_env["AIMSFLOW_DATABASE_URL"]).dispose()
    engine_for.cache_clear()
