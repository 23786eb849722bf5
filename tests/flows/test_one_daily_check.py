"""One daily check: the scheduled flows, a moved clock and the demo have the same effects on one database."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

from aimsflow.demo import Demo
from flows.certification_cycle import certification_cycle
from flows.deadline_sweep import deadline_sweep
from models.db import engine_for
from tests.conftest import run_main
from tests.dumps import difference, dump
from tests.flows.builders import create_program, set_today, work_items
from tests.flows.test_scheduled_flows import certified_on

DECISION = date(2027, 11, 15)
DAY = DECISION + relativedelta(months=12, days=-30)  # surveillance 1 preparation is due; the phase work is late


def copy(source: str, target: Path) -> str:
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def test_the_daily_flows_a_clock_move_and_the_demo_change_the_database_alike(
        database: str, program_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    create_program(program_key, tmp_path)
    certified_on(program_key, DECISION)
    set_today(DAY)
    engine_for(database).dispose()
    source = database.removeprefix("sqlite:///")
    by_cli, by_demo = copy(source, tmp_path / "cli.db"), copy(source, tmp_path / "demo.db")

    swept = deadline_sweep(program_key, deliver=False)["programs"][0]
    cycle = certification_cycle(program_key)["programs"][0]
    assert swept["escalations"] and len(cycle["opened"]) == 3, "the day has work for the checks to do"
    assert {i["key"] for i in work_items(program_key) if i["key"].startswith("prepare:")} == {
        f"prepare:1:surveillance-1:{step}" for step in ("schedule", "evidence", "review")}

    monkeypatch.setenv("AIMSFLOW_DATABASE_URL", by_cli)
    moved = run_main("clock", "set", DAY.isoformat())
    assert moved.returncode == 0 and "surveillance-1 audit by 2028-11-15: preparation opened" in moved.stdout, moved
    engine_for(by_cli).dispose()

    demo = Demo(Path(by_demo.removeprefix("sqlite:///")), tmp_path / "evidence", lambda _line: None)
    demo.sweep()
    demo.engine.dispose()

    flows = dump(database)
    assert flows == dump(by_cli), difference(flows, dump(by_cli))
    assert flows == dump(by_demo), difference(flows, dump(by_demo))
