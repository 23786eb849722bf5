"""Raising a nonconformity looks elsewhere (10.2): similar open ones, and several minors on one requirement."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import CB, PROGRAM, Journey

STAGE_1_DAY = "2026-01-12"
STAGE_2_DAY = "2026-03-02"


def _stage_2(journey: Journey) -> str:
    def open_stage_2() -> str:
        run = journey.run
        journey.to_phase("certification_stage_1")
        stage_1 = run.json("audit", "schedule", PROGRAM, "stage1", "--date", STAGE_1_DAY, "--auditor", CB)["id"]
        run.ok("audit", "close", stage_1)
        audit: str = run.json("audit", "schedule", PROGRAM, "stage2", "--date", STAGE_2_DAY, "--auditor", CB)["id"]
        return audit

    stage_2: str = journey.reach("stage 2 open", open_stage_2)
    return stage_2


def test_a_new_nonconformity_names_the_open_ones_on_the_same_requirement(journey: Journey) -> None:
    stage_2 = _stage_2(journey)
    run = journey.run
    first: dict[str, Any] = run.json("audit", "finding", stage_2, "--severity", "minor", "--ref", "7.2",
                                     "--text", "competence records missing for the data team")
    assert first["similar_open"] == []
    other = run.json("audit", "finding", stage_2, "--severity", "minor", "--ref", "A.7.4",
                     "--text", "no data-quality metric")
    assert other["similar_open"] == []
    second = run.json("audit", "finding", stage_2, "--severity", "major", "--ref", "7.2",
                      "--text", "no competence criteria for model reviewers")
    assert second["similar_open"] == [first["nonconformity"]]
    assert "warning" not in second


def test_the_third_minor_on_one_requirement_warns_that_the_body_may_grade_them_a_major(journey: Journey) -> None:
    stage_2 = _stage_2(journey)
    run = journey.run
    raised = [run.json("audit", "finding", stage_2, "--severity", "minor", "--ref", "A.6.2.8",
                       "--text", f"event logs incomplete for system {n}") for n in (1, 2)]
    assert all("warning" not in r for r in raised)
    third = run.ok("audit", "finding", stage_2, "--severity", "minor", "--ref", "A.6.2.8",
                   "--text", "event logs incomplete for system 3").stdout
    assert "warning: 3 minor nonconformities on A.6.2.8" in third
    assert "can make a major" in third
    assert f"similar open nonconformities on A.6.2.8: {raised[0]['nonconformity']}, {raised[1]['nonconformity']}" \
        in third
