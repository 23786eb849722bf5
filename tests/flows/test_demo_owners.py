"""The Prefect demo's owners: each item completed in its own owner-task run's form, through the resume API."""

from __future__ import annotations

import os
from pathlib import Path

from aimsflow.cli.prefect_demo import PrefectOwners
from aimsflow.demo import KEY, Demo
from tests.flows.builders import create_program, work_items


def test_the_demo_owners_complete_items_in_their_runs_forms_and_one_mistyped_code_only_waits_again(
        database: str, tmp_path: Path) -> None:
    create_program(KEY, tmp_path)
    lines: list[str] = []
    demo = Demo(Path(database.removeprefix("sqlite:///")), tmp_path / "evidence", lines.append)
    items = demo.open_items()[:3]
    owners = PrefectOwners(Path(os.environ["AIMSFLOW_MAILBOX"]), lines.append, parallel=2)

    owners.complete(demo, items)

    states = {i["id"]: i["state"] for i in work_items(KEY)}
    assert {states[item.ref] for item in items} <= {"accepted", "submitted"}, states
    assert owners.runs == 3
    mistyped = [line for line in lines if "mistyped the code" in line]
    assert len(mistyped) == 1 and "the completion code is not right" in mistyped[0]
    assert lines[-1].startswith("    3 owner-task runs completed in their Prefect forms")
