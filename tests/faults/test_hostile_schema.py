"""Databases and their schema stamps: every database aimsflow makes is stamped, downgrades are asked for.

A database made without a stamp (as the demo made them) is recognized by its tables and stamped,
so `init` and `db upgrade` work on it; `db upgrade` to an older revision is refused with one line
and the database unchanged unless --allow-downgrade; a stamp this release does not know, or a
revision that does not exist, is refused the same way.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from aimsflow import migrate
from aimsflow.services.catalog import load_into
from aimsflow.uow import unit_of_work
from models.db import create_tables, engine_for
from tests.dumps import dump
from tests.faults.conftest import InProcess, assert_clear_error, assert_unchanged, in_process, in_process_database

HEAD = migrate.head_revision()


def unstamped(folder: Path) -> str:
    """A database with the newest tables and the catalog but no migration stamp (the demo's, before)."""
    url = f"sqlite:///{folder / 'aimsflow.db'}"
    create_tables(engine_for(url))
    with unit_of_work(engine_for(url)) as uow:
        load_into(uow.session)
    engine_for(url).dispose()
    return url


@pytest.mark.parametrize("command", [("init",), ("db", "upgrade"), ("db", "upgrade", "head"), ("status",)])
def test_a_database_made_without_a_stamp_is_stamped_and_upgrades(tmp_path: Path, command: tuple[str, ...]) -> None:
    unstamped(tmp_path)
    with in_process_database(tmp_path) as url:
        before = dump(url)
        outcome = in_process(*command)
        assert "duplicate column" not in outcome.stderr, str(outcome)
        if command != ("status",):
            assert outcome.returncode == 0, str(outcome)
        InProcess().ok("db", "upgrade")
        assert migrate.current_revision(url) == HEAD
        after = dump(url)
    assert after.pop("alembic_version") == [(repr(HEAD),)]
    assert_unchanged(before, after)


def test_the_demo_database_is_stamped_with_the_newest_revision(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from aimsflow.demo import run_demo

    monkeypatch.setenv("AIMSFLOW_EVIDENCE_DIR", str(tmp_path / "evidence"))
    run_demo(echo=lambda _line: None, db_path=str(tmp_path / "aimsflow.db"))
    url = f"sqlite:///{tmp_path / 'aimsflow.db'}"
    assert migrate.current_revision(url) == HEAD
    with in_process_database(tmp_path):
        before = dump(url)
        InProcess().ok("init")
        InProcess().ok("db", "upgrade")
        assert_unchanged(before, dump(url))


OLDER = ["base", "0001", "0002", "-1", "-3"]


@pytest.fixture
def current(tmp_path: Path) -> str:
    with in_process_database(tmp_path) as url:
        InProcess().ok("init")
    return url


@pytest.mark.parametrize("revision", OLDER)
def test_a_downgrade_is_refused_unless_allowed(tmp_path: Path, current: str, revision: str) -> None:
    with in_process_database(tmp_path) as url:
        before = dump(url)
        outcome = in_process("db", "upgrade", "--", revision)
        line = assert_clear_error(outcome)
        assert outcome.returncode == 4 and "--allow-downgrade" in line and "older" in line, str(outcome)
        assert_unchanged(before, dump(url))
        assert migrate.current_revision(url) == HEAD


@pytest.mark.parametrize("revision", ["0002", "0001", "base"])
def test_an_allowed_downgrade_goes_back_and_upgrading_returns(tmp_path: Path, current: str, revision: str) -> None:
    with in_process_database(tmp_path) as url:
        InProcess().ok("db", "upgrade", revision, "--allow-downgrade")
        assert migrate.current_revision(url) == (None if revision == "base" else revision)
        InProcess().ok("db", "upgrade")
        assert migrate.current_revision(url) == HEAD


@pytest.mark.parametrize("revision", ["zzz", "9999", "00", "+1", "-99", "head~", "0003\n", "' OR 1=1"])
def test_a_revision_that_does_not_exist_is_refused(tmp_path: Path, current: str, revision: str) -> None:
    with in_process_database(tmp_path) as url:
        before = dump(url)
        outcome = in_process("db", "upgrade", "--", revision)
        line = assert_clear_error(outcome)
        assert outcome.returncode == 2 and line.startswith("error: REVISION:"), str(outcome)
        assert_unchanged(before, dump(url))


def test_a_database_stamped_by_a_newer_release_is_left_alone(tmp_path: Path, current: str) -> None:
    with engine_for(current).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with in_process_database(tmp_path) as url:
        before = dump(url)
        outcome = in_process("db", "upgrade")
        line = assert_clear_error(outcome)
        assert outcome.returncode == 4 and "newer aimsflow" in line, str(outcome)
        assert_unchanged(before, dump(url))
