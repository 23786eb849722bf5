"""Every refusal exits non-zero with one clear line on stderr and leaves the database unchanged.

Each test reaches its state quickly (the same commands through `main()` in this process), then
sends the refused command inside `unchanged()`, which compares a dump of every table before and
after. `refuse` runs it in this process; `refuse_in_subprocess` runs a real `aimsflow` process,
as a user sees it, for a sample of each kind of refusal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import (
    AUDITOR,
    CB,
    CERTIFICATION_DAY,
    COMPLIANCE,
    HR,
    INTERNAL_AUDIT_DAY,
    OPS,
    PM,
    PROGRAM,
    TECH,
    TOP,
    Journey,
    Refuse,
)

STAGE_1_DAY = "2026-01-12"
STAGE_2_DAY = "2026-03-02"


# --- unknown things -------------------------------------------------------------------------------


def test_an_unknown_program_is_refused_by_name(refuse_in_subprocess: Refuse, journey: Journey) -> None:
    journey.start()
    line = refuse_in_subprocess("status", "nowhere-insurance")
    assert "nowhere-insurance" in line and "not found" in line
    assert PROGRAM in line, "the known programs are listed"
    line = refuse_in_subprocess("people", "add", "nowhere-insurance", "Ada", "--role", "owner")
    assert "nowhere-insurance" in line


def test_an_unknown_person_is_refused_by_name(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    clause = journey.item("clause:4.1")
    line = refuse("work", "complete", clause["id"], "--by", "Nobody Here",
                  "--assessment", "gap", "--note", "no context analysis")
    assert "Nobody Here" in line and "--by" in line
    line = refuse("audit", "schedule", PROGRAM, "internal", "--date", INTERNAL_AUDIT_DAY,
                  "--auditor", "Nobody Here")
    assert "Nobody Here" in line and "--auditor" in line


def test_an_unknown_control_in_the_statement_of_applicability_is_refused(
    refuse: Refuse, journey: Journey
) -> None:
    journey.start()
    line = refuse("soa", "set", PROGRAM, "A.11.9", "--include", "--justification", "why not")
    assert "A.11.9" in line and "Annex A" in line


def test_an_unknown_work_item_is_refused(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    line = refuse("work", "complete", "WI-9999", "--by", PM, "--note", "done")
    assert "WI-9999" in line


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("clock", "set", "2025-02-30"), "DATE"),
        (("program", "create", "Lion City Re", "--scope", "reinsurance AI", "--start", "06/01/2025"), "--start"),
        (("audit", "schedule", PROGRAM, "internal", "--date", "next monday", "--auditor", AUDITOR), "--date"),
        (("review", "hold", PROGRAM, "--date", "2025-13-01"), "--date"),
        (("certify", PROGRAM, "--decision-date", "27.04.2026"), "--decision-date"),
    ],
    ids=["clock", "program-start", "audit-date", "review-date", "decision-date"],
)
def test_a_badly_formed_date_is_refused_naming_the_field(
    refuse: Refuse, journey: Journey, args: tuple[str, ...], field: str
) -> None:
    journey.start()
    line = refuse(*args)
    assert field in line and "YYYY-MM-DD" in line


# --- files that are not what they should be -------------------------------------------------------


def test_a_csv_with_a_bad_status_on_row_2_imports_nothing_and_names_the_row_and_field(
    refuse_in_subprocess: Refuse, journey: Journey, tmp_path: Path
) -> None:
    journey.start()
    bad = tmp_path / "more.csv"
    bad.write_text("name,purpose,status,risk_level,owner,in_scope\n"
                   f"pricing-engine,Price travel policies,deployed,limited,{OPS},yes\n"
                   f"agent-copilot,Draft replies for agents,live,minimal,{OPS},no\n", encoding="utf-8")
    line = refuse_in_subprocess("inventory", "import", PROGRAM, str(bad))
    assert "row 2" in line and "status" in line and "'live'" in line
    assert "row 1" not in line
    assert "pricing-engine" not in {s["name"] for s in journey.run.json("inventory", "list", PROGRAM)}


def test_a_csv_row_with_more_fields_than_the_header_is_refused(
    refuse: Refuse, journey: Journey, tmp_path: Path
) -> None:
    journey.start()
    bad = tmp_path / "ragged.csv"
    bad.write_text("name,purpose,status,risk_level,owner,in_scope\n"
                   f"pricing-engine,Price travel policies,deployed,limited,{OPS},yes,extra\n", encoding="utf-8")
    line = refuse("inventory", "import", PROGRAM, str(bad))
    assert "row 1" in line


def test_a_csv_without_a_required_column_is_refused(refuse: Refuse, journey: Journey, tmp_path: Path) -> None:
    journey.start()
    bad = tmp_path / "no-owner.csv"
    bad.write_text("name,purpose,status,risk_level,in_scope\npricing-engine,Price,deployed,limited,yes\n",
                   encoding="utf-8")
    line = refuse("inventory", "import", PROGRAM, str(bad))
    assert "owner" in line and "header" in line


@pytest.mark.parametrize(
    "content",
    ["name: pricing-engine\npurpose: Price travel policies\n", "just a sentence\n", "- pricing-engine\n"],
    ids=["mapping", "scalar", "list-of-strings"],
)
def test_yaml_that_is_not_a_list_of_mappings_is_refused(
    refuse: Refuse, journey: Journey, tmp_path: Path, content: str
) -> None:
    journey.start()
    bad = tmp_path / "inventory.yaml"
    bad.write_text(content, encoding="utf-8")
    line = refuse("inventory", "import", PROGRAM, str(bad))
    assert "YAML" in line and "list" in line


def test_a_yaml_row_with_a_bad_field_names_its_row_and_nothing_is_imported(
    refuse: Refuse, journey: Journey, tmp_path: Path
) -> None:
    journey.start()
    bad = tmp_path / "inventory.yml"
    bad.write_text(f"- {{name: pricing-engine, purpose: Price, status: deployed, risk_level: limited,"
                   f" owner: {OPS}, in_scope: true}}\n"
                   f"- {{name: agent-copilot, purpose: Draft, status: planned, risk_level: severe,"
                   f" owner: {OPS}, in_scope: false}}\n", encoding="utf-8")
    line = refuse("inventory", "import", PROGRAM, str(bad))
    assert "row 2" in line and "risk_level" in line


def test_a_duplicate_person_name_is_refused(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    line = refuse("people", "add", PROGRAM, TECH, "--role", "owner")
    assert TECH in line and "already exists" in line


@pytest.mark.parametrize("within_the_file", [False, True], ids=["already-imported", "repeated-in-file"])
def test_a_duplicate_system_name_is_refused(
    refuse: Refuse, journey: Journey, tmp_path: Path, within_the_file: bool
) -> None:
    journey.start()
    first = "pricing-engine" if within_the_file else "claims-triage"
    bad = tmp_path / "dupes.csv"
    bad.write_text("name,purpose,status,risk_level,owner,in_scope\n"
                   f"{first},Price travel policies,deployed,limited,{OPS},yes\n"
                   f"pricing-engine,Price travel policies again,deployed,limited,{OPS},yes\n", encoding="utf-8")
    line = refuse("inventory", "import", PROGRAM, str(bad))
    assert "field name" in line
    if within_the_file:
        assert "row 2" in line and "repeats row 1" in line
    else:
        assert "row 1" in line and "claims-triage" in line and "already" in line


def test_a_program_with_a_taken_key_is_refused(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    line = refuse("program", "create", "Merlion  Insurance!", "--scope", "again",
                  "--start", "2025-02-03")
    assert PROGRAM in line and "already exists" in line


# --- gates and waivers ----------------------------------------------------------------------------


def test_a_failing_gap_analysis_gate_names_every_missing_item(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    line = refuse("phase", "advance", PROGRAM)
    for item in ("clause 4.1: not assessed", "clause 10.2: not assessed", "roadmap: not approved by top management"):
        assert item in line
    assert "gap_analysis" in line


def test_a_committee_without_hr_keeps_foundation_building_open(refuse_in_subprocess: Refuse, journey: Journey) -> None:
    journey.start(without_functions=("hr",))
    journey.finish_gap_analysis()
    journey.run.ok("phase", "advance", PROGRAM)
    journey.run.ok("risk", "criteria", PROGRAM, "--threshold", "8")
    journey.complete_phase_work("foundation_building")
    line = refuse_in_subprocess("phase", "advance", PROGRAM)
    assert "committee lacks: hr" in line
    assert "foundation_building" in line
    assert journey.status()["gate"]["missing"] == ["committee lacks: hr"]
    # Seating the HR owner on the committee opens the gate.
    journey.run.ok("people", "role", PROGRAM, HR, "--function", "hr")
    assert journey.run.json("phase", "advance", PROGRAM)["to"] == "controls_implementation"


def _gap_analysis_done_but_the_roadmap_approval(journey: Journey) -> None:
    journey.start()
    journey.complete_phase_work("gap_analysis", skip=("roadmap-approval",))
    assert journey.status()["gate"]["missing"] == ["roadmap: not approved by top management"]


def test_a_waiver_by_someone_outside_top_management_is_refused(refuse: Refuse, journey: Journey) -> None:
    _gap_analysis_done_but_the_roadmap_approval(journey)
    line = refuse("phase", "advance", PROGRAM, "--waive", "roadmap", "--by", PM,
                  "--reason", "the board meets next month")
    assert PM in line and "not top management" in line


def test_a_waiver_without_a_written_reason_is_refused(refuse: Refuse, journey: Journey) -> None:
    _gap_analysis_done_but_the_roadmap_approval(journey)
    line = refuse("phase", "advance", PROGRAM, "--waive", "roadmap", "--by", TOP)
    assert "--reason" in line


def test_an_approval_by_someone_outside_top_management_is_refused(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    approval = journey.item("roadmap-approval")
    # Neither given to the program manager (test_held_out_journey_fixes) nor completed by them.
    line = refuse("work", "assign", approval["id"], "--to", PM)
    assert approval["id"] in line and PM in line and "not top management" in line
    line = refuse("work", "complete", approval["id"], "--by", PM, "--note", "approved on the board's behalf")
    assert approval["id"] in line and PM in line


def test_a_waiver_by_top_management_with_a_reason_is_recorded(journey: Journey) -> None:
    _gap_analysis_done_but_the_roadmap_approval(journey)
    moved = journey.run.json("phase", "advance", PROGRAM, "--waive", "roadmap", "--by", TOP, "--reason",
                     "the board approves the roadmap at its March meeting")
    assert moved["to"] == "foundation_building"
    waivers = journey.status()["waivers"]
    assert waivers == [{"phase": "gap_analysis", "item": "roadmap",
                        "reason": "the board approves the roadmap at its March meeting"}]


# --- segregation of duties ------------------------------------------------------------------------


def test_evidence_cannot_be_accepted_by_its_own_submitter(refuse_in_subprocess: Refuse, journey: Journey) -> None:
    journey.reach("statement of applicability decided",
                  lambda: (journey.to_phase("controls_implementation"), journey.decide_soa()))
    item = journey.items(kind="evidence")[0]
    submitted = journey.complete(item)
    assert submitted["state"] == "submitted"
    line = refuse_in_subprocess("work", "accept", item["id"], "--by", item["assignee"])
    assert item["id"] in line and item["assignee"] in line and "own" in line
    assert journey.run.json("work", "accept", item["id"], "--by", submitted["reviewer"])["state"] == "accepted"


def _internal_nonconformity(journey: Journey, *, severity: str = "minor") -> str:
    """An internal audit in gap analysis with one finding on clause 8.4: its nonconformity's id."""
    run = journey.run
    audit = run.json("audit", "schedule", PROGRAM, "internal", "--date", INTERNAL_AUDIT_DAY, "--auditor", AUDITOR)
    nc: str = run.json("audit", "finding", audit["id"], "--severity", severity, "--ref", "8.4",
                       "--text", "impact assessments are not repeated after retraining")["nonconformity"]
    return nc


def test_a_corrective_action_cannot_be_verified_by_its_implementer(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    nc = _internal_nonconformity(journey)
    for trigger in ("correct", "analyse", "plan", "implement"):
        journey.run.ok("nc", "advance", nc, trigger, "--by", OPS, "--note", f"{trigger} done")
    line = refuse("nc", "advance", nc, "verify", "--by", OPS, "--effective")
    assert nc in line and OPS in line and "implemented" in line
    verified = journey.run.json("nc", "advance", nc, "verify", "--by", COMPLIANCE, "--effective")
    assert verified["state"] == "effectiveness_verified"


def test_an_unknown_nonconformity_trigger_is_refused_with_the_allowed_ones(
    refuse: Refuse, journey: Journey
) -> None:
    journey.start()
    nc = _internal_nonconformity(journey)
    line = refuse("nc", "advance", nc, "fix", "--by", OPS)
    assert "'fix'" in line
    for trigger in ("correct", "analyse", "plan", "implement", "verify", "close"):
        assert trigger in line


def test_a_nonconformity_trigger_out_of_order_names_the_state_and_what_is_allowed(
    refuse: Refuse, journey: Journey
) -> None:
    journey.start()
    nc = _internal_nonconformity(journey)
    line = refuse("nc", "advance", nc, "implement", "--by", OPS)
    assert "raised" in line and "correct" in line


def _risk_above_the_criteria(journey: Journey) -> str:
    run = journey.run
    run.ok("risk", "criteria", PROGRAM, "--threshold", "6")
    risk: str = run.json("risk", "add", PROGRAM, "Claims routed unfairly by postcode", "--system", "claims-triage",
                         "--owner", TECH)["id"]
    run.ok("risk", "assess", risk, "--likelihood", "4", "--impact", "4")
    treated = run.json("risk", "treat", risk, "--treatment", "accept", "--residual-likelihood", "4",
                       "--residual-impact", "3")
    assert treated["above_criteria"] and treated["residual"] == 12
    return risk


def test_a_risk_above_the_criteria_is_not_accepted_by_an_owner_without_a_reason(
    refuse: Refuse, journey: Journey
) -> None:
    journey.start()
    risk = _risk_above_the_criteria(journey)
    line = refuse("risk", "accept", risk, "--by", TECH)
    assert risk in line and "not top management" in line and "--reason" in line
    line = refuse("risk", "accept", risk, "--by", TECH, "--reason", "cost of retraining")
    assert "not top management" in line and "--reason" not in line
    line = refuse("risk", "accept", risk, "--by", TOP)
    assert "--reason" in line and "not top management" not in line
    accepted = journey.run.json("risk", "accept", risk, "--by", TOP,
                                "--reason", "manual review of every declined claim")
    assert accepted["accepted_by"] == TOP and accepted["state"] == "accepted"


def test_an_internal_auditor_cannot_audit_a_clause_they_own_work_in(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    clause = journey.item("clause:8.4")
    journey.run.ok("work", "assign", clause["id"], "--to", AUDITOR)
    line = refuse("audit", "schedule", PROGRAM, "internal", "--date", INTERNAL_AUDIT_DAY,
                  "--auditor", AUDITOR)
    assert AUDITOR in line and "8.4" in line and "impartial" in line
    narrowed = journey.run.json("audit", "schedule", PROGRAM, "internal", "--date", INTERNAL_AUDIT_DAY,
                        "--auditor", AUDITOR, "--scope", "9.1", "--scope", "9.3")
    assert narrowed["id"].startswith("AUD-")


def test_a_certification_audit_needs_a_cb_auditor(refuse: Refuse, journey: Journey) -> None:
    journey.to_phase("certification_stage_1")
    line = refuse("audit", "schedule", PROGRAM, "stage1", "--date", STAGE_1_DAY,
                  "--auditor", AUDITOR)
    assert AUDITOR in line and "cb-auditor" in line


# --- the certification decision -------------------------------------------------------------------


def _stage_2_with_a_major(journey: Journey) -> str:
    """Stage 1 clean, Stage 2 closed with one major: the major's NC id."""
    nc: str = journey.reach("stage 2 closed with a major", lambda: _build_stage_2_with_a_major(journey))
    return nc


def _build_stage_2_with_a_major(journey: Journey) -> str:
    run = journey.run
    journey.to_phase("certification_stage_1")
    run.ok("clock", "set", STAGE_1_DAY)
    stage_1 = run.json("audit", "schedule", PROGRAM, "stage1", "--date", STAGE_1_DAY, "--auditor", CB)["id"]
    run.ok("audit", "close", stage_1)
    run.ok("clock", "set", STAGE_2_DAY)
    stage_2 = run.json("audit", "schedule", PROGRAM, "stage2", "--date", STAGE_2_DAY, "--auditor", CB)["id"]
    nc: str = run.json("audit", "finding", stage_2, "--severity", "major", "--ref", "8.4",
                       "--text", "no impact assessment after the fraud model was retrained")["nonconformity"]
    run.ok("audit", "close", stage_2)
    return nc


def test_a_certification_decision_with_an_unverified_major_is_refused(
    refuse_in_subprocess: Refuse, journey: Journey
) -> None:
    nc = _stage_2_with_a_major(journey)
    line = refuse_in_subprocess("certify", PROGRAM, "--decision-date", "2026-04-27")
    assert nc in line and "major" in line and "not verified" in line
    assert "certification_resolution" in line


def test_a_major_from_stage_2_is_verified_by_the_certification_body_only(
    refuse: Refuse, journey: Journey
) -> None:
    nc = _stage_2_with_a_major(journey)
    for trigger in ("correct", "analyse", "plan", "implement"):
        journey.run.ok("nc", "advance", nc, trigger, "--by", TECH, "--note", trigger)
    line = refuse("nc", "advance", nc, "verify", "--by", COMPLIANCE, "--effective")
    assert COMPLIANCE in line and "cb-auditor" in line


def test_a_certification_decision_with_a_minor_lacking_an_action_plan_is_refused(
    refuse: Refuse, journey: Journey
) -> None:
    def stage_2_with_a_minor() -> str:
        run = journey.run
        journey.to_phase("certification_stage_1")
        stage_1 = run.json("audit", "schedule", PROGRAM, "stage1", "--date", STAGE_1_DAY, "--auditor", CB)["id"]
        run.ok("audit", "close", stage_1)
        stage_2 = run.json("audit", "schedule", PROGRAM, "stage2", "--date", STAGE_2_DAY, "--auditor", CB)["id"]
        nc: str = run.json("audit", "finding", stage_2, "--severity", "minor", "--ref", "7.2",
                           "--text", "competence records missing for two data scientists")["nonconformity"]
        run.ok("audit", "close", stage_2)
        return nc

    nc = journey.reach("stage 2 closed with a minor", stage_2_with_a_minor)
    line = refuse("certify", PROGRAM, "--decision-date", "2026-04-27")
    assert nc in line and "action plan" in line
    for trigger in ("correct", "analyse", "plan"):
        journey.run.ok("nc", "advance", nc, trigger, "--by", HR, "--note", trigger)
    assert journey.run.json("certify", PROGRAM, "--decision-date", "2026-04-27")["state"] == "certified"


def test_a_second_surveillance_before_the_first_is_closed_is_refused(refuse: Refuse, journey: Journey) -> None:
    nc = _stage_2_with_a_major(journey)
    run = journey.run
    for trigger in ("correct", "analyse", "plan", "implement"):
        run.ok("nc", "advance", nc, trigger, "--by", TECH, "--note", trigger)
    run.ok("nc", "advance", nc, "verify", "--by", CB, "--effective")
    run.ok("certify", PROGRAM, "--decision-date", "2026-04-27")
    journey.keep_up("2027-03-15")
    run.json("audit", "schedule", PROGRAM, "surveillance", "--date", "2027-03-15", "--auditor", CB)
    line = refuse("audit", "schedule", PROGRAM, "surveillance", "--date", "2028-03-13", "--auditor", CB)
    assert "surveillance 1 audit: not closed" in line


def test_a_certification_decision_before_stage_2_is_refused(refuse: Refuse, journey: Journey) -> None:
    journey.to_phase("certification_stage_1")
    line = refuse("certify", PROGRAM, "--decision-date", CERTIFICATION_DAY)
    assert "certification_stage_1" in line


def test_phase_advance_inside_certification_is_refused_with_a_hint(refuse: Refuse, journey: Journey) -> None:
    journey.to_phase("certification_stage_1")
    line = refuse("phase", "advance", PROGRAM)
    assert "certification_stage_1" in line and "Stage 1" in line


def _at_recertification(journey: Journey) -> str:
    """Certified, both surveillance audits closed, the recertification audit scheduled: its id."""
    audit: str = journey.reach("recertification audit scheduled", lambda: _build_at_recertification(journey))
    return audit


def _build_at_recertification(journey: Journey) -> str:
    run = journey.run
    nc = _stage_2_with_a_major(journey)
    for trigger, by in (("correct", TECH), ("analyse", TECH), ("plan", TECH), ("implement", TECH)):
        run.ok("nc", "advance", nc, trigger, "--by", by, "--note", trigger)
    run.ok("nc", "advance", nc, "verify", "--by", CB, "--effective")
    run.ok("clock", "set", "2026-04-27")
    run.ok("certify", PROGRAM, "--decision-date", "2026-04-27")
    for day in ("2027-03-15", "2028-03-13"):
        journey.keep_up(day)
        audit = run.json("audit", "schedule", PROGRAM, "surveillance", "--date", day, "--auditor", CB)["id"]
        run.ok("audit", "close", audit)
    run.ok("clock", "set", "2029-02-12")
    audit: str = run.json("audit", "schedule", PROGRAM, "recertification", "--date", "2029-02-12",
                          "--auditor", CB)["id"]
    assert journey.status()["state"] == "recertification"
    return audit


def test_a_recertification_decision_with_an_unverified_major_from_the_recertification_audit_is_refused(
    refuse: Refuse, journey: Journey
) -> None:
    audit = _at_recertification(journey)
    nc = journey.run.json("audit", "finding", audit, "--severity", "major", "--ref", "9.2",
                          "--text", "the internal audit skipped A.7.4 this cycle")["nonconformity"]
    journey.run.ok("audit", "close", audit)
    line = refuse("certify", PROGRAM, "--decision-date", "2029-03-19")
    assert nc in line and "not verified" in line


def test_a_recertification_decision_before_the_recertification_audit_is_closed_is_refused(
    refuse: Refuse, journey: Journey
) -> None:
    _at_recertification(journey)
    line = refuse("certify", PROGRAM, "--decision-date", "2029-03-19")
    assert "not closed" in line


# --- the command line itself ----------------------------------------------------------------------


def test_an_option_value_of_the_wrong_type_is_refused_in_one_line(
    refuse_in_subprocess: Refuse, journey: Journey
) -> None:
    journey.start()
    line = refuse_in_subprocess("risk", "criteria", PROGRAM, "--threshold", "eight")
    assert "--threshold" in line
