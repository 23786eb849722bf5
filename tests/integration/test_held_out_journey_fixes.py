"""What the held-out journey found, fixed: each rule refuses by name and leaves the database unchanged.

A new Stage 2, once required, stays required; impartiality covers evidence and corrective actions; a
late sweep escalates in order; review actions fall on working days; approvals go to top management.
"""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import AUDITOR, CB, INTERNAL_AUDIT_DAY, PM, PROGRAM, TECH, TOP, Journey, Refuse
from tests.integration.test_refusals import _stage_2_with_a_major

NEW_STAGE_2 = "a new Stage 2 is required"


def test_once_a_new_stage_2_is_required_status_keeps_saying_so_and_certify_says_to_hold_one(
    refuse: Refuse, journey: Journey
) -> None:
    _stage_2_with_a_major(journey)  # Stage 2 ended 2026-03-05; the major is never verified
    run = journey.run
    assert "a new Stage 2 is required" in run.ok("clock", "set", "2026-09-07").stdout
    run.ok("clock", "set", "2026-09-21")  # the daily check has run again since: nothing forgets it
    status = journey.status()
    assert status["state"] == "certification_stage_2"
    assert any(NEW_STAGE_2 in flag for flag in status["flags"]), status["flags"]
    line = refuse("certify", PROGRAM, "--decision-date", "2026-09-21")
    assert NEW_STAGE_2 in line and "aimsflow audit schedule" in line
    assert "close the Stage 2 audit" not in line
    line = refuse("phase", "advance", PROGRAM)
    assert NEW_STAGE_2 in line and "close the Stage 2 audit" not in line
    journey.keep_up("2026-10-05")  # the new Stage 2 asks for what every CB audit asks (readiness)
    run.json("audit", "schedule", PROGRAM, "stage2", "--date", "2026-10-05", "--auditor", CB)
    assert not any(NEW_STAGE_2 in flag for flag in journey.status()["flags"]), "the new Stage 2 is scheduled"


def test_an_internal_auditor_cannot_audit_what_they_accepted_evidence_for_or_implemented_an_action_on(
    refuse: Refuse, journey: Journey, tmp_path: Path
) -> None:
    journey.to_phase("testing_and_refinement")
    run = journey.run
    run.ok("clock", "set", INTERNAL_AUDIT_DAY)
    first = run.json("audit", "schedule", PROGRAM, "internal", "--date", INTERNAL_AUDIT_DAY, "--auditor", AUDITOR,
                     "--scope", "9.1")["id"]
    nc = run.json("audit", "finding", first, "--severity", "minor", "--ref", "9.1",
                  "--text", "monitoring results not reviewed")["nonconformity"]
    run.ok("audit", "close", first)
    for trigger in ("correct", "analyse", "plan"):
        run.ok("nc", "advance", nc, trigger, "--by", TECH, "--note", trigger)
    run.ok("nc", "advance", nc, "implement", "--by", AUDITOR, "--note", "dashboards reviewed weekly")
    evidence_file = tmp_path / "data-quality.txt"
    evidence_file.write_text("data-quality metrics for 2025-Q3\n", encoding="utf-8")
    evidence = run.json("evidence", "add", PROGRAM, str(evidence_file), "--control", "A.7.4", "--by", TECH)["id"]
    run.ok("evidence", "accept", evidence, "--by", AUDITOR)

    line = refuse("audit", "schedule", PROGRAM, "internal", "--date", "2025-10-20", "--auditor", AUDITOR)
    assert f"{AUDITOR} submitted or accepted evidence for A.7.4" in line
    assert f"{AUDITOR} implemented the corrective action on 9.1" in line
    assert "impartial" in line
    narrowed = run.json("audit", "schedule", PROGRAM, "internal", "--date", "2025-10-20", "--auditor", AUDITOR,
                        "--scope", "9.2", "--scope", "9.3")
    assert narrowed["id"].startswith("AUD-")


def test_a_sweep_that_first_runs_past_both_thresholds_tells_the_program_manager_before_top_management(
    journey: Journey
) -> None:
    journey.start()
    run = journey.run
    first_due = min(item["due"] for item in journey.items())
    late = [i["id"] for i in journey.items() if i["due"] == first_due]
    run.ok("clock", "set", "2025-06-30", "--no-checks")  # weeks past due: both thresholds passed at once
    swept = run.json("sweep", PROGRAM)[0]["escalations"]
    for item in late:
        assert swept.index(f"{item}->program-manager") < swept.index(f"{item}->top-management"), swept
        assert swept.count(f"{item}->program-manager") == 1
    assert run.json("sweep", PROGRAM)[0]["escalations"] == [], "each escalation is sent once"


def test_a_review_actions_due_date_moves_off_the_weekend(journey: Journey) -> None:
    journey.to_phase("testing_and_refinement")
    held = journey.run.json("review", "hold", PROGRAM, "--date", "2025-11-03", "--chair", TOP,
                            "--input-b", "MAS consultation", "--input-c", "policyholders ask for explanations",
                            "--action", f"Explainability report for claims-triage;{TECH};2026-01-03")
    action = next(i for i in journey.items(kind="review_action") if i["id"] == held["actions"][0])
    assert action["due"] == "2026-01-05", "Saturday 3 January moves to Monday 5 January"


def test_an_approval_cannot_be_assigned_to_someone_who_is_not_top_management(
    refuse: Refuse, journey: Journey
) -> None:
    journey.start()
    approval = journey.item("roadmap-approval")
    assert approval["assignee"] == TOP
    line = refuse("work", "assign", approval["id"], "--to", PM)
    assert approval["id"] in line and f"{PM} is not top management" in line
