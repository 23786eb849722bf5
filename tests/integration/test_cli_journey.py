"""A whole certification journey through the command line, on the simulated clock.

Merlion Insurance goes from program creation through the five phases, Stage 1 (with a concern),
Stage 2 (with a major whose first corrective action is ineffective), the certification decision,
two surveillance audits and a recertification into its second cycle. `status --json` is read
in a subprocess after every step, and so are the steps that move the journey (phase advances,
audits, findings, corrective-action implementation and verification, decisions, refusals), exactly
as a user types them. The bulk of the work (27 clause assessments, 38 SoA decisions, the work
items, the clock) runs the same `main()` in this process to keep the test near a minute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.conftest import (
    ANNEX_A,
    AUDITOR,
    CB,
    CERTIFICATION_DAY,
    CONTROLS_DAY,
    EXCLUDED,
    FOUNDATION_DAY,
    IN_SCOPE_SYSTEMS,
    INCLUDED,
    INTERNAL_AUDIT_DAY,
    INVENTORY_CSV,
    PEOPLE,
    PM,
    PROGRAM,
    REVIEW_DAY,
    START,
    TECH,
    TESTING_DAY,
    TOP,
    Journey,
)

STAGE_1_DAY = "2026-01-12"  # two days: ends 2026-01-13
STAGE_2_DAY = "2026-03-02"  # four days: ends 2026-03-05
DECISION_DAY = "2026-04-27"
SURVEILLANCE_1_DAY = "2027-03-15"
SURVEILLANCE_2_DAY = "2028-03-13"
RECERTIFICATION_DAY = "2029-02-12"
RECERTIFICATION_DECISION_DAY = "2029-03-19"


def assert_at(status: dict[str, Any], state: str, *, today: str, cycle: int = 1) -> None:
    assert (status["state"], status["today"], status["cycle"]) == (state, today, cycle), status


def missing(status: dict[str, Any]) -> list[str]:
    return list(status["gate"]["missing"])


def open_ncs(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in status["open_nonconformities"]}


def test_a_program_goes_from_gap_analysis_to_its_second_certification_cycle_through_the_cli(
    cli: Any, run: Any, tmp_path: Path, unchanged: Any
) -> None:
    j = Journey(cli=cli, run=run, files=tmp_path / "files")

    # --- set-up: database, clock, program, people, inventory ----------------------------------
    cli.ok("init")
    run.ok("init")  # safe to run again
    assert "2025-01-06 (simulated)" in cli.ok("clock", "set", START).stdout
    created = cli.ok("program", "create", "Merlion Insurance", "--scope",
                     "AI systems of motor and health insurance operations in Singapore", "--start", START,
                     "--timezone", "Asia/Singapore", "--country", "SG")
    assert PROGRAM in created.stdout
    assert [p["key"] for p in run.json("program", "list")] == [PROGRAM]
    for member in PEOPLE:
        args = ["people", "add", PROGRAM, member.name]
        for role in member.roles:
            args += ["--role", role]
        for function in member.functions:
            args += ["--function", function]
        added = run.json(*args)
        assert added["name"] == member.name and added["roles"] == list(member.roles)
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(INVENTORY_CSV, encoding="utf-8")
    imported = cli.json("inventory", "import", PROGRAM, str(inventory))
    assert imported["imported"] == 4

    status = j.status()
    assert_at(status, "gap_analysis", today=START)
    assert status["phase"] == "gap_analysis"
    assert status["timezone"] == "Asia/Singapore" and status["country"] == "SG"
    assert status["ai_systems"] == 4
    assert status["gate"]["name"] == "gap_analysis_gate" and not status["gate"]["passes"]
    assert "clause 4.1: not assessed" in missing(status)
    assert "clause 10.2: not assessed" in missing(status)
    assert "roadmap: not approved by top management" in missing(status)
    assert not any(m.startswith("inventory") or m.startswith("AI system") for m in missing(status))
    assert status["work"]["total"] == 30  # inventory, 27 clauses, roadmap, its approval

    # --- phase 1: gap analysis -------------------------------------------------------------------
    work = run.json("work", "list", PROGRAM)
    by_key = {w["key"]: w for w in work}
    assert by_key["roadmap-approval"]["assignee"] == TOP
    assert by_key["clause:4.1"]["kind"] == "clause_assessment"
    assert all(w["assignee"] for w in work), "every item has an owner once the people are added"
    assert not any(w["assignee"] == AUDITOR for w in work)
    j.complete_phase_work("gap_analysis", skip=("roadmap-approval",))
    status = j.status()
    assert missing(status) == ["roadmap: not approved by top management"]
    approval = by_key["roadmap-approval"]
    assert cli.json("work", "complete", approval["id"], "--by", TOP, "--note", "approved")["state"] == "accepted"
    status = j.status()
    assert status["gate"]["passes"], missing(status)

    run.ok("clock", "set", FOUNDATION_DAY)
    assert j.advance()["to"] == "foundation_building"
    status = j.status()
    assert_at(status, "foundation_building", today=FOUNDATION_DAY)
    assert status["phases"][0]["phase"] == "gap_analysis" and status["phases"][0]["ended"] == FOUNDATION_DAY
    assert "AI policy (5.2): not approved by top management" in missing(status)
    assert "risk acceptance criteria (6.1.1): not recorded" in missing(status)
    assert "awareness training (7.3): no attendance records" in missing(status)
    assert not any(m.startswith("committee") for m in missing(status)), "all five functions are seated"

    # --- phase 2: foundation building -----------------------------------------------------------
    run.ok("risk", "criteria", PROGRAM, "--threshold", "8")
    training = j.item("training")
    done = run.json("work", "complete", training["id"], "--by", training["assignee"],
                    "--evidence", j.evidence_file("training attendance"))
    assert done["state"] == "accepted"
    j.complete_phase_work("foundation_building")
    status = j.status()
    assert status["gate"]["passes"], missing(status)
    run.ok("clock", "set", CONTROLS_DAY)
    assert j.advance()["to"] == "controls_implementation"
    status = j.status()
    assert_at(status, "controls_implementation", today=CONTROLS_DAY)
    assert "A.2.2: no decision" in missing(status)
    assert "AI system claims-triage: no impact assessment" in missing(status)
    assert not any("service-chatbot" in m for m in missing(status)), "out of scope: no impact assessment"

    # --- phase 3: controls implementation ----------------------------------------------------------
    j.decide_soa()
    soa = {e["control"]: e for e in run.json("soa", "list", PROGRAM)}
    assert set(ANNEX_A) <= set(soa)
    assert all(soa[c]["decision"] == "included" for c in INCLUDED)
    assert all(soa[c]["decision"] == "excluded" and soa[c]["justification"] for c in EXCLUDED)
    status = j.status()
    assert not any(m.endswith("no decision") for m in missing(status))
    for control in INCLUDED:
        assert f"{control}: no accepted evidence" in missing(status)
    assert not any(m.startswith(f"{c}:") for c in EXCLUDED for m in missing(status))

    evidence_items = j.items(phase="controls_implementation", kind="evidence")
    assert sorted(w["subject"] for w in evidence_items) == sorted(INCLUDED)
    first = evidence_items[0]
    submitted = cli.json("work", "complete", first["id"], "--by", first["assignee"],
                         "--evidence", j.evidence_file(first["key"]))
    assert submitted["state"] == "submitted" and submitted["reviewer"] not in (None, first["assignee"])
    assert f"{first['subject']}: no accepted evidence" in missing(j.status())
    accepted = cli.json("work", "accept", first["id"], "--by", submitted["reviewer"])
    assert accepted["state"] == "accepted"
    assert f"{first['subject']}: no accepted evidence" not in missing(j.status())

    impact_items = j.items(phase="controls_implementation", kind="impact_assessment")
    assert sorted(w["subject"] for w in impact_items) == sorted(IN_SCOPE_SYSTEMS)
    j.complete_phase_work("controls_implementation")
    status = j.status()
    assert status["gate"]["passes"], missing(status)
    assert {s["name"]: s["impact_assessment"] for s in run.json("inventory", "list", PROGRAM)} == {
        "claims-triage": "current", "fraud-scoring": "current", "underwriting-assistant": "current",
        "service-chatbot": None}
    run.ok("clock", "set", TESTING_DAY)
    assert j.advance()["to"] == "testing_and_refinement"
    status = j.status()
    assert_at(status, "testing_and_refinement", today=TESTING_DAY)
    assert "internal audit: 4.1 not covered" in missing(status)
    assert f"internal audit: {INCLUDED[0]} not covered" in missing(status)
    assert "management review: not held" in missing(status)
    assert "incident-response tabletop (A.8.4): not recorded" in missing(status)

    # --- phase 4: testing and refinement -----------------------------------------------------------
    programme = j.item("internal-audit")
    run.ok("work", "assign", programme["id"], "--to", PM)  # the auditor stays free of work to audit
    run.ok("clock", "set", INTERNAL_AUDIT_DAY)
    internal = cli.json("audit", "schedule", PROGRAM, "internal", "--date", INTERNAL_AUDIT_DAY,
                        "--auditor", AUDITOR)["id"]
    closed = cli.json("audit", "close", internal)
    assert closed["state"] == "closed" and closed["program_state"] == "testing_and_refinement"
    status = j.status()
    assert not any(m.startswith("internal audit") for m in missing(status)), missing(status)
    run.ok("clock", "set", REVIEW_DAY)
    review = cli.json("review", "hold", PROGRAM, "--date", REVIEW_DAY, "--chair", TOP,
                      "--input-b", "MAS consults on AI risk management guidelines",
                      "--input-c", "policyholders ask for explanations of claim decisions")
    assert review["missing_inputs"] == []
    assert set(review["inputs"]) == {"a", "b", "c", "d", "e"} and all(review["inputs"].values())
    status = j.status()
    assert missing(status) == ["incident-response tabletop (A.8.4): not recorded"]
    tabletop = j.item("tabletop")
    run.ok("work", "complete", tabletop["id"], "--by", tabletop["assignee"],
           "--evidence", j.evidence_file("tabletop minutes"))
    j.complete_phase_work("testing_and_refinement")
    status = j.status()
    assert status["gate"]["passes"], missing(status)
    run.ok("clock", "set", CERTIFICATION_DAY)
    assert j.advance()["to"] == "certification_stage_1"

    # --- phase 5: certification, Stage 1 with an area of concern ----------------------------------
    status = j.status()
    assert_at(status, "certification_stage_1", today=CERTIFICATION_DAY)
    assert status["phase"] == "certification"
    assert missing(status) == ["stage 1 audit: not closed"]
    run.ok("clock", "set", STAGE_1_DAY)
    stage_1 = cli.json("audit", "schedule", PROGRAM, "stage1", "--date", STAGE_1_DAY, "--auditor", CB)["id"]
    concern = cli.json("audit", "finding", stage_1, "--severity", "concern", "--ref", "7.5",
                       "--text", "document control does not cover model cards")["nonconformity"]
    cli.ok("audit", "close", stage_1)
    status = j.status()
    assert_at(status, "certification_stage_1", today=STAGE_1_DAY)
    assert open_ncs(status)[concern]["severity"] == "concern"
    assert missing(status) == [f"{concern}: Stage 1 concern open"]

    with unchanged():
        refused: Any = cli.refused("audit", "schedule", PROGRAM, "stage2", "--date", STAGE_2_DAY, "--auditor", CB)
    assert concern in refused.stderr and "Stage 2" in refused.stderr

    resolved = cli.json("nc", "advance", concern, "resolve", "--by", CB, "--note", "model cards now controlled")
    assert resolved["state"] == "closed"
    status = j.status()
    assert status["gate"]["passes"] and open_ncs(status) == {}

    # --- Stage 2 with a major; its first corrective action is ineffective -------------------------
    run.ok("clock", "set", STAGE_2_DAY)
    stage_2 = cli.json("audit", "schedule", PROGRAM, "stage2", "--date", STAGE_2_DAY, "--auditor", CB)["id"]
    status = j.status()
    assert_at(status, "certification_stage_2", today=STAGE_2_DAY)
    major = cli.json("audit", "finding", stage_2, "--severity", "major", "--ref", "A.7.4",
                     "--text", "training data quality is not measured for fraud-scoring")
    assert major["verify_by"] == "2026-06-03"  # last Stage 2 day (2026-03-05) + 90 days
    nc = major["nonconformity"]
    run.json("audit", "finding", stage_2, "--severity", "ofi", "--ref", "9.1", "--text", "automate drift reports")
    assert cli.json("audit", "close", stage_2)["program_state"] == "certification_resolution"
    status = j.status()
    assert status["state"] == "certification_resolution"
    assert open_ncs(status)[nc]["verify_by"] == "2026-06-03"
    assert f"{nc}: major nonconformity not verified" in missing(status)

    with unchanged():
        refused = cli.refused("certify", PROGRAM, "--decision-date", DECISION_DAY)
    assert nc in refused.stderr and "not verified" in refused.stderr

    def step(trigger: str, by: str, *extra: str) -> dict[str, Any]:
        # The decisive steps (implementation, verification) run in a subprocess; the notes in this one.
        runner = cli if trigger in ("implement", "verify") else run
        result: dict[str, Any] = runner.json("nc", "advance", nc, trigger, "--by", by, *extra)
        return result

    assert step("correct", TECH, "--note", "fraud-scoring paused for manual review")["state"] == "correction"
    assert step("analyse", TECH, "--note", "no data-quality metric defined")["state"] == "root_cause_analysis"
    assert step("plan", TECH, "--note", "define completeness metric")["state"] == "action_planned"
    assert step("implement", TECH)["state"] == "action_implemented"
    again = step("verify", CB, "--ineffective", "--note", "metric defined but never reported")
    assert (again["state"], again["round"]) == ("root_cause_analysis", 2)
    status = j.status()
    assert open_ncs(status)[nc]["state"] == "root_cause_analysis"
    assert f"{nc}: major nonconformity not verified" in missing(status)
    step("analyse", TECH, "--note", "no owner for data-quality reporting")
    step("plan", TECH, "--note", "monthly data-quality report owned by the data team")
    step("implement", TECH)
    verified = step("verify", CB, "--effective", "--note", "three monthly reports seen")
    assert (verified["state"], verified["round"]) == ("effectiveness_verified", 2)
    assert [r["effective"] for r in verified["rounds"]] == [False, True]
    status = j.status()
    assert status["gate"]["passes"], missing(status)

    # --- the certification decision and the three-year cycle --------------------------------------
    run.ok("clock", "set", DECISION_DAY)
    decided = cli.json("certify", PROGRAM, "--decision-date", DECISION_DAY)
    assert decided["state"] == "certified"
    status = j.status()
    assert_at(status, "certified", today=DECISION_DAY)
    certificate = status["certificate"]
    assert certificate["decision_date"] == DECISION_DAY
    assert certificate["expiry"] == "2029-04-27"  # decision + 3 years
    assert certificate["surveillance_1_due"] == "2027-04-27"  # decision + 12 months
    assert certificate["certificate_status"] == "active"
    assert not any(f.startswith("internal audit programme") for f in status["flags"]), "phase 4 covered it all"
    step("close", CB)
    assert open_ncs(j.status()) == {}

    j.keep_up(SURVEILLANCE_1_DAY)  # readiness: review, internal audit, evidence, assessments
    surveillance_1 = cli.json("audit", "schedule", PROGRAM, "surveillance", "--date", SURVEILLANCE_1_DAY,
                              "--auditor", CB)["id"]
    assert_at(j.status(), "surveillance_1", today=SURVEILLANCE_1_DAY)
    cli.ok("audit", "close", surveillance_1)
    status = j.status()
    assert status["state"] == "surveillance_1"
    assert status["certificate"]["surveillance_2_window"] == ["2028-01-01", "2028-12-31"]

    j.keep_up(SURVEILLANCE_2_DAY)  # readiness: review, internal audit, evidence, assessments
    surveillance_2 = cli.json("audit", "schedule", PROGRAM, "surveillance", "--date", SURVEILLANCE_2_DAY,
                              "--auditor", CB)["id"]
    assert_at(j.status(), "surveillance_2", today=SURVEILLANCE_2_DAY)
    cli.ok("audit", "close", surveillance_2)
    assert j.status()["state"] == "surveillance_2"

    j.keep_up(RECERTIFICATION_DAY)  # readiness: review, internal audit, evidence, assessments
    recertification = cli.json("audit", "schedule", PROGRAM, "recertification", "--date", RECERTIFICATION_DAY,
                               "--auditor", CB)["id"]
    assert_at(j.status(), "recertification", today=RECERTIFICATION_DAY)
    cli.ok("audit", "close", recertification)
    run.ok("clock", "set", RECERTIFICATION_DECISION_DAY)
    recertified = cli.json("certify", PROGRAM, "--decision-date", RECERTIFICATION_DECISION_DAY)
    assert (recertified["state"], recertified["cycle"]) == ("certified", 2)
    status = j.status()
    assert_at(status, "certified", today=RECERTIFICATION_DECISION_DAY, cycle=2)
    assert status["certificate"]["decision_date"] == RECERTIFICATION_DECISION_DAY
    assert status["certificate"]["expiry"] == "2032-04-27"  # the old expiry + 3 years
    programme = [f for f in status["flags"] if f.startswith("internal audit programme (9.2)")]
    assert len(programme) == 1 and "not yet audited in cycle 2: 4.1, 4.2" in programme[0], status["flags"]
    assert [a["kind"] for a in status["audits"]] == [
        "internal", "stage1", "stage2", "internal", "surveillance", "internal", "surveillance", "internal",
        "recertification"]

    verified_trail = cli.ok("trail", "verify")
    assert "every chain intact" in verified_trail.stdout
