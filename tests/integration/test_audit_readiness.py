"""Audit readiness: a CB audit is scheduled or started only when the record is kept up, or top management waives.

Each rule of `rules/audit_readiness.py` is shown refusing, naming what is missing, with the database
unchanged; `audit readiness` lists the same items; keeping up (a review and an internal audit within
the year, evidence renewed, impact reassessed, the AI policy reviewed) makes the audit ready.
"""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import AUDITOR, CB, OPS, PM, PROGRAM, TECH, TOP, Journey, Refuse

DECISION_DAY = "2026-04-27"
SURVEILLANCE_DAY = "2027-03-15"


def _certified(journey: Journey, *, minor: bool = False) -> str | None:
    """Certified on 2026-04-27 after a Stage 2 (with one minor, planned, when `minor`): the minor's id."""

    def build() -> str | None:
        run = journey.run
        journey.to_phase("certification_stage_1")
        run.ok("clock", "set", "2026-01-12")
        stage_1 = run.json("audit", "schedule", PROGRAM, "stage1", "--date", "2026-01-12", "--auditor", CB)["id"]
        run.ok("audit", "close", stage_1)
        run.ok("clock", "set", "2026-03-02")
        stage_2 = run.json("audit", "schedule", PROGRAM, "stage2", "--date", "2026-03-02", "--auditor", CB)["id"]
        nc = None
        if minor:
            nc = run.json("audit", "finding", stage_2, "--severity", "minor", "--ref", "7.2",
                          "--text", "competence records incomplete for two data scientists")["nonconformity"]
        run.ok("audit", "close", stage_2)
        if nc:
            for trigger in ("correct", "analyse", "plan"):
                run.ok("nc", "advance", nc, trigger, "--by", TECH, "--note", trigger)
        run.ok("clock", "set", DECISION_DAY)
        run.ok("certify", PROGRAM, "--decision-date", DECISION_DAY)
        return nc

    found: str | None = journey.reach("certified, with a planned minor" if minor else "certified, no findings", build)
    return found


def _readiness(journey: Journey, *args: str) -> dict[str, Any]:
    found: dict[str, Any] = journey.cli.json("audit", "readiness", PROGRAM, *args)
    return found


def _schedule_surveillance(*extra: str) -> tuple[str, ...]:
    return ("audit", "schedule", PROGRAM, "surveillance", "--date", SURVEILLANCE_DAY, "--auditor", CB, *extra)


def test_a_surveillance_audit_a_year_after_certification_is_refused_naming_everything_not_kept_up(
    refuse_in_subprocess: Refuse, journey: Journey
) -> None:
    _certified(journey)
    journey.run.ok("clock", "set", SURVEILLANCE_DAY)
    line = refuse_in_subprocess(*_schedule_surveillance())
    for item in ("internal audit: none closed between 2026-03-15 and 2027-03-15",
                 "management review: none held between 2026-03-15 and 2027-03-15",
                 "A.2.2: evidence not valid on 2027-03-15 (valid until 2026-05-26)",
                 "AI system claims-triage: impact assessment stale",
                 "AI policy (A.2.4): last reviewed 2025-03-03, its review was due by 2026-03-03"):
        assert item in line
    assert "aimsflow audit readiness merlion-insurance" in line, "the refusal says where to see the list"

    readiness = _readiness(journey)
    assert (readiness["audit"], readiness["ready"], readiness["date"]) == ("surveillance", False, SURVEILLANCE_DAY)
    assert [m["item"] for m in readiness["missing"]] == line.split("may not start: ")[1].split(" (see: ")[0].split("; ")
    codes = {m["code"] for m in readiness["missing"]}
    assert {"internal-audit", "management-review", "evidence:A.7.4", "impact-assessment:fraud-scoring",
            "ai-policy-review"} <= codes
    status = journey.status()
    assert status["next_audit"]["ready"] is False and status["next_audit"]["audit"] == "surveillance"


def test_keeping_up_through_the_year_makes_the_surveillance_audit_ready(journey: Journey) -> None:
    _certified(journey)
    journey.keep_up(SURVEILLANCE_DAY)
    assert _readiness(journey) == {"audit": "surveillance", "ready": True, "missing": [], "date": SURVEILLANCE_DAY,
                                   "planned": None, "waived": []}
    assert "next audit: surveillance (judged on 2027-03-15): ready" in journey.cli.ok("status", PROGRAM).stdout
    journey.run.json(*_schedule_surveillance())


def test_the_ai_policy_review_opens_as_top_managements_recurring_work_ahead_of_its_interval(journey: Journey) -> None:
    _certified(journey)
    moved = journey.run.ok("clock", "set", "2026-05-04", "--recurring").stdout
    assert "AI policy review due by 2026-03-03 opened" in moved
    (review,) = [i for i in journey.items() if i["key"].startswith("policy-review:")]
    assert (review["kind"], review["assignee"], review["subject"]) == ("approval", TOP, "A.2.4")
    journey.complete(review)
    journey.run.ok("clock", "set", "2026-05-05", "--recurring")
    assert not [i for i in journey.items() if i["key"].startswith("policy-review:")], "reviewed: nothing due"
    items = [m["item"] for m in _readiness(journey, "--date", SURVEILLANCE_DAY)["missing"]]
    assert not [i for i in items if i.startswith("AI policy")]


def test_top_management_waives_each_missing_item_with_a_reason_and_the_waivers_stay_on_the_record(
    refuse: Refuse, journey: Journey
) -> None:
    _certified(journey)
    journey.keep_up(SURVEILLANCE_DAY)
    journey.run.ok("clock", "set", "2027-03-20")  # evidence and assessments still valid; take one thing away
    journey.run.ok("inventory", "change", PROGRAM, "claims-triage", "--reason", "retrained on 2027 claims")
    day = ("--date", "2027-03-22")
    item = "AI system claims-triage: impact assessment stale"
    args = ("audit", "schedule", PROGRAM, "surveillance", *day, "--auditor", CB)
    assert item in refuse(*args)
    line = refuse(*args, "--waive", item, "--by", PM, "--reason", "reassessment booked for April")
    assert "Priya Raman is not top management" in line
    line = refuse(*args, "--waive", item, "--by", TOP)
    assert "written reason" in line and "--reason" in line
    line = refuse(*args, "--waive", "A.7.4", "--by", TOP, "--reason", "why not")
    assert "'A.7.4' is not a missing item" in line and item in line
    audit = journey.run.json(*args, "--waive", "AI system claims-triage", "--by", TOP,
                             "--reason", "reassessment booked for April; the CB agreed")
    assert audit["waived"] == ["AI system claims-triage"]
    assert journey.run.json("audit", "close", audit["id"])["state"] == "closed", "its start honours the waiver"
    (waiver,) = journey.status()["waivers"]
    assert waiver == {"phase": "certified", "item": "AI system claims-triage",
                      "reason": "reassessment booked for April; the CB agreed"}


def test_a_planned_audit_does_not_start_once_something_lapses_unless_top_management_waives_it(
    refuse: Refuse, journey: Journey
) -> None:
    _certified(journey)
    journey.keep_up(SURVEILLANCE_DAY)
    audit = journey.run.json(*_schedule_surveillance())["id"]
    journey.run.ok("inventory", "change", PROGRAM, "fraud-scoring", "--reason", "new data source")
    line = refuse("audit", "start", audit)
    assert "AI system fraud-scoring: impact assessment stale" in line
    assert _readiness(journey)["planned"] == audit
    started = journey.run.json("audit", "start", audit, "--waive", "AI system fraud-scoring", "--by", TOP,
                               "--reason", "the change is a data refresh the CB reviews on site")
    assert started["state"] == "in_progress"


def test_a_minor_of_the_previous_audit_without_an_implemented_action_keeps_the_surveillance_audit_waiting(
    refuse: Refuse, journey: Journey
) -> None:
    nc = _certified(journey, minor=True)
    assert nc
    journey.keep_up(SURVEILLANCE_DAY)
    line = refuse(*_schedule_surveillance())
    assert f"{nc}: minor nonconformity of AUD-" in line and "has no implemented action (action planned)" in line
    journey.run.ok("nc", "advance", nc, "implement", "--by", TECH, "--note", "records completed")
    assert _readiness(journey)["ready"] is True


def test_a_review_whose_input_a_leaves_out_an_action_of_the_previous_review_is_named(
    refuse: Refuse, journey: Journey
) -> None:
    _certified(journey)
    run = journey.run
    run.ok("clock", "set", "2026-06-01")
    run.ok("review", "hold", PROGRAM, "--date", "2026-06-01", "--chair", TOP, "--input-b", "none", "--input-c", "none",
           "--action", f"Publish explainability notes;{OPS};2026-09-01")
    (action,) = [i["id"] for i in journey.items(kind="review_action")]
    journey.keep_up(SURVEILLANCE_DAY, review=False)
    run.ok("review", "hold", PROGRAM, "--date", SURVEILLANCE_DAY, "--chair", TOP, "--input-a", "all actions on track",
           "--input-b", "none", "--input-c", "none")
    line = refuse(*_schedule_surveillance())
    assert f"input (a) does not cover {action} (actions of MR-2)" in line


def test_an_in_scope_system_added_after_certification_opens_its_assessment_and_is_named_until_it_is_done(
    refuse: Refuse, journey: Journey
) -> None:
    _certified(journey)
    journey.keep_up(SURVEILLANCE_DAY)
    added = journey.files / "added.csv"
    added.write_text(f"name,purpose,status,risk_level,owner,in_scope\nclaims-chat,Explain claim status,deployed,"
                     f"limited,{OPS},yes\n", encoding="utf-8")
    imported = journey.run.json("inventory", "import", PROGRAM, str(added))
    assert len(imported["opened"]) == 1
    (assessment,) = [i for i in journey.items(kind="impact_assessment") if i["subject"] == "claims-chat"]
    assert assessment["id"] == imported["opened"][0]
    assert "AI system claims-chat: no impact assessment" in refuse(*_schedule_surveillance())
    done = journey.complete(assessment)
    if done["state"] == "submitted":
        journey.accept(done)
    assert _readiness(journey)["ready"] is True


def test_a_recertification_needs_an_internal_audit_programme_that_covered_the_whole_cycle(
    refuse: Refuse, journey: Journey
) -> None:
    _certified(journey)
    for day in ("2027-03-15", "2028-03-13"):
        journey.keep_up(day, scope=("9.2", "9.3"))
        audit = journey.run.json("audit", "schedule", PROGRAM, "surveillance", "--date", day, "--auditor", CB)["id"]
        journey.run.ok("audit", "close", audit)
    journey.run.ok("clock", "set", "2029-02-12")
    line = refuse("audit", "schedule", PROGRAM, "recertification", "--date", "2029-02-12", "--auditor", CB)
    assert "internal audit programme: 4.1 not covered in cycle 1" in line
    assert "internal audit programme: A.9.2 not covered in cycle 1" in line
    assert "internal audit programme: 9.2 not covered" not in line, "what the cycle's audits covered counts"
    journey.run.json("audit", "schedule", PROGRAM, "internal", "--date", "2029-02-12", "--auditor", AUDITOR)
    assert _readiness(journey)["ready"] is False, "planned, not yet held"


def test_an_unknown_audit_kind_for_readiness_is_refused(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    line = refuse("audit", "readiness", PROGRAM, "--audit", "internal")
    assert "--audit" in line and "'internal' is not a certification body's audit" in line


def test_before_stage_1_the_next_audit_is_stage_1_and_its_readiness_says_what_is_missing(journey: Journey) -> None:
    journey.to_phase("testing_and_refinement")
    readiness = _readiness(journey)
    assert readiness["audit"] == "stage1" and readiness["ready"] is False
    items = [m["item"] for m in readiness["missing"]]
    assert items[0].startswith("a Stage 1 audit does not take place while the program is in testing_and_refinement")
    assert "internal audit: none closed between 2024-09-15 and 2025-09-15" in items

