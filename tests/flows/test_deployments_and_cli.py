"""prefect.yaml, `aimsflow serve` and `aimsflow run`: the same deployments, schedules and flows."""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import pytest
import yaml
from prefect.flows import load_flow_from_entrypoint

from flows.schedules import DEFAULT_TIMEZONE, PLANNED
from flows.serve import deployments
from tests.flows.builders import create_program, work_items

ROOT = Path(__file__).resolve().parents[2]


def aimsflow(*args: str) -> tuple[int, str, str]:
    """`aimsflow ARGS` in this process (so its flows run against the test's Prefect server)."""
    from aimsflow.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved, sys.argv = sys.argv, ["aimsflow", *args]
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    finally:
        sys.argv = saved
    return code, out.getvalue(), err.getvalue()


def test_prefect_yaml_declares_the_planned_deployments_on_the_process_pool_with_dtstart_and_a_time_zone() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    declared = {d["name"]: d for d in spec["deployments"]}
    assert list(declared) == [p.name for p in PLANNED]
    for planned in PLANNED:
        d = declared[planned.name]
        assert d["entrypoint"] == planned.entrypoint
        assert d["work_pool"]["name"] == "aimsflow"
        assert load_flow_from_entrypoint(str(ROOT / planned.entrypoint)).name == planned.name
        rules = [(s["rrule"], s["timezone"]) for s in d["schedules"]]
        assert rules == ([(planned.rrule, DEFAULT_TIMEZONE)] if planned.rrule else [])
        assert all(rule.startswith("DTSTART:") for rule, _ in rules)


def test_serve_builds_the_same_deployments_with_their_schedules_in_the_configured_time_zone() -> None:
    served = deployments("Asia/Kuala_Lumpur")
    assert [d.name for d in served] == [p.name for p in PLANNED]
    for d, planned in zip(served, PLANNED, strict=True):
        schedules = [(s.schedule.rrule, s.schedule.timezone) for s in d.schedules or []]
        assert schedules == ([(planned.rrule, "Asia/Kuala_Lumpur")] if planned.rrule else [])


def test_aimsflow_run_start_phase_runs_the_flow_and_prints_what_it_did(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    code, out, _ = aimsflow("run", "start-phase", program_key, "--phase", "foundation_building", "--no-deliver",
                            "--json")
    assert code == 0
    result = json.loads(out)
    assert result["phase"] == "foundation_building" and len(result["created"]) == 7
    assert {i["id"] for i in work_items(program_key) if i["phase"] == "foundation_building"} == set(result["created"])
    code, out, _ = aimsflow("run", "start-phase", program_key, "--phase", "foundation_building", "--no-deliver")
    assert (code, out.strip()) == (0, f"{program_key} foundation_building: 0 items opened, 0 owner runs started "
                                      "(no owner-task deployment: run `aimsflow serve`)")


@pytest.mark.parametrize("args", [("run", "sweep", "no-such-program"),
                                  ("run", "start-phase", "no-such-program", "--remote")])
def test_aimsflow_run_refuses_an_unknown_program_in_one_line(database: str, args: tuple[str, ...]) -> None:
    code, _, err = aimsflow(*args)
    assert code == 3
    assert err.strip() == "error: program 'no-such-program' not found; no program exists yet (aimsflow program create)"


def test_aimsflow_run_remote_without_a_deployment_says_how_to_get_one(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    code, _, err = aimsflow("run", "management-review", program_key, "--remote")
    assert code == 3
    assert "no deployment management-review/management-review" in err and "aimsflow serve" in err


def test_aimsflow_run_start_phase_takes_the_display_name_and_refuses_a_phase_the_form_does_not_offer(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    code, out, err = aimsflow("run", "start-phase", f"Merlion {program_key}", "--no-deliver", "--json")
    assert code == 0, err
    assert json.loads(out)["program"] == program_key
    code, _, err = aimsflow("run", "start-phase", program_key, "--phase", "certified")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "'certified' is not a phase that opens work (gap_analysis, foundation_building" in err
