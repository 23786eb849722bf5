"""A program overrides the certification body's configurable practice, and the rules follow it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import CB, PROGRAM, Journey, Refuse

STAGE_1_DAY = "2026-01-12"
STAGE_2_DAY = "2026-03-02"  # four days: ends 2026-03-05


def test_settings_show_the_defaults_of_the_configurable_rules(journey: Journey) -> None:
    journey.start()
    shown: dict[str, Any] = journey.run.json("program", "settings", PROGRAM)
    assert shown["changed"] == {}
    assert shown["settings"] == {
        "major_verification_days": 90, "new_stage_2_after_months": 6, "stage_1_to_stage_2_months": 6,
        "reminder_days": "7,1", "escalate_to_pm_after_days": 3, "escalate_to_top_after_days": 10,
        "preparation_lead_days": 60, "impact_assessment_interval_months": 12, "evidence_valid_months": 12,
        "surveillance_effort_percent": 33, "recertification_effort_percent": 67,
        "raise_unaddressed_minors": True, "suspension_limit_months": 6, "restoration_window_months": 6,
        "readiness_lookback_months": 12, "policy_review_interval_months": 12}


@pytest.mark.parametrize("flag", ["--new-stage-2-after-months", "--restoration-window-months"])
def test_the_two_iso_iec_17021_1_limits_are_capped_at_six_months_whatever_a_cb_prefers(
    refuse_in_subprocess: Refuse, journey: Journey, flag: str
) -> None:
    journey.start()
    line = refuse_in_subprocess("program", "settings", PROGRAM, flag, "7")
    assert line.startswith(f"error: {flag}: 7 months is more than 6: ISO/IEC 17021-1 caps"), line


def test_the_new_stage_2_limit_and_the_restoration_window_are_separate_settings(journey: Journey) -> None:
    journey.start()
    changed = journey.run.json("program", "settings", PROGRAM, "--restoration-window-months", "3")
    assert changed["changed"] == {"restoration_window_months": [6, 3]}
    assert changed["settings"]["new_stage_2_after_months"] == 6


def test_readiness_looks_back_at_most_a_year(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    line = refuse("program", "settings", PROGRAM, "--readiness-lookback-months", "13")
    assert "--readiness-lookback-months" in line and "at least yearly" in line


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--major-verification-days", "0"), "--major-verification-days"),
        (("--reminder-days", "7,one"), "--reminder-days"),
        (("--escalate-to-pm-after-days", "12"), "--escalate-to-top-after-days"),
        (("--impact-assessment-interval-months", "61"), "--impact-assessment-interval-months"),
        (("--suspension-limit-months", "13"), "--suspension-limit-months"),
        (("--raise-unaddressed-minors", "sometimes"), "--raise-unaddressed-minors"),
    ],
    ids=["zero-days", "not-a-list", "top-before-pm", "too-long", "suspension-too-long", "not-a-switch"],
)
def test_a_setting_out_of_bounds_is_refused_naming_it_and_nothing_changes(
    refuse: Refuse, journey: Journey, args: tuple[str, ...], named: str
) -> None:
    journey.start()
    line = refuse("program", "settings", PROGRAM, "--preparation-lead-days", "30", *args)
    assert named in line
    assert journey.run.json("program", "settings", PROGRAM)["settings"]["preparation_lead_days"] == 60


def test_a_shorter_verification_period_sets_the_majors_deadline_and_the_trail_records_the_change(
    journey: Journey
) -> None:
    journey.to_phase("certification_stage_1")
    run = journey.run
    changed = run.json("program", "settings", PROGRAM, "--major-verification-days", "60",
                       "--reminder-days", "1,14,7")
    assert changed["changed"] == {"major_verification_days": [90, 60], "reminder_days": ["7,1", "14,7,1"]}
    run.ok("clock", "set", STAGE_1_DAY)
    stage_1 = run.json("audit", "schedule", PROGRAM, "stage1", "--date", STAGE_1_DAY, "--auditor", CB)["id"]
    run.ok("audit", "close", stage_1)
    run.ok("clock", "set", STAGE_2_DAY)
    stage_2 = run.json("audit", "schedule", PROGRAM, "stage2", "--date", STAGE_2_DAY, "--auditor", CB)["id"]
    major = run.json("audit", "finding", stage_2, "--severity", "major", "--ref", "8.4",
                     "--text", "no impact assessment after the fraud model was retrained")
    assert major["verify_by"] == "2026-05-04"  # the last Stage 2 day (2026-03-05) + 60 days
    assert "every chain intact" in run.ok("trail", "verify").stdout


def test_a_shorter_window_for_an_unverified_major_demands_a_new_stage_2_sooner(journey: Journey) -> None:
    journey.to_phase("certification_stage_1")
    run = journey.run
    run.ok("program", "settings", PROGRAM, "--new-stage-2-after-months", "3")
    run.ok("clock", "set", STAGE_1_DAY)
    stage_1 = run.json("audit", "schedule", PROGRAM, "stage1", "--date", STAGE_1_DAY, "--auditor", CB)["id"]
    run.ok("audit", "close", stage_1)
    run.ok("clock", "set", STAGE_2_DAY)
    stage_2 = run.json("audit", "schedule", PROGRAM, "stage2", "--date", STAGE_2_DAY, "--auditor", CB)["id"]
    run.ok("audit", "finding", stage_2, "--severity", "major", "--ref", "8.4", "--text", "no reassessment")
    run.ok("audit", "close", stage_2)
    run.ok("clock", "set", "2026-06-05")
    assert journey.status()["state"] == "certification_resolution"
    run.ok("clock", "set", "2026-06-06")  # three months after the last Stage 2 day
    assert journey.status()["state"] == "certification_stage_2"
