"""Findings followed between audits, and a certificate suspended, reinstated or withdrawn for a named cause.

A Stage 2 minor is verified by a cb-auditor at the next audit; closing that audit without it raises it
to a major with the major's deadline; missing that deadline suspends the certificate, naming the major;
verifying it lifts the suspension; left unresolved past the limit, the certificate is withdrawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from icalendar import Calendar

from tests.integration.conftest import AUDITOR, CB, HR, PROGRAM, TECH, TOP, Journey, Refuse

STAGE_1_DAY, STAGE_2_DAY = "2026-01-12", "2026-03-02"  # Stage 2 lasts four days: ends 2026-03-05
DECISION_DAY = "2026-04-27"  # surveillance 1 due by 2027-04-27
SURVEILLANCE_DAY = "2027-03-15"  # two days: ends 2027-03-16; a major raised then is verified by 2027-06-14


def _certified_with_a_minor(journey: Journey) -> str:
    """Certified on DECISION_DAY with one Stage 2 minor whose action plan the body accepted: its NC id."""

    def build() -> str:
        run = journey.run
        journey.to_phase("certification_stage_1")
        run.ok("clock", "set", STAGE_1_DAY)
        stage_1 = run.json("audit", "schedule", PROGRAM, "stage1", "--date", STAGE_1_DAY, "--auditor", CB)["id"]
        run.ok("audit", "close", stage_1)
        run.ok("clock", "set", STAGE_2_DAY)
        stage_2 = run.json("audit", "schedule", PROGRAM, "stage2", "--date", STAGE_2_DAY, "--auditor", CB)["id"]
        nc: str = run.json("audit", "finding", stage_2, "--severity", "minor", "--ref", "7.2",
                           "--text", "competence records missing for two data scientists")["nonconformity"]
        run.ok("audit", "close", stage_2)
        for trigger in ("correct", "analyse", "plan"):
            run.ok("nc", "advance", nc, trigger, "--by", HR, "--note", trigger)
        run.ok("clock", "set", DECISION_DAY)
        run.ok("certify", PROGRAM, "--decision-date", DECISION_DAY)
        return nc

    nc: str = journey.reach("certified with a planned stage 2 minor", build)
    return nc


def _finding(journey: Journey, nc: str) -> dict[str, Any]:
    found: dict[str, Any] = next(f for f in journey.status()["open_findings"] if f["id"] == nc)
    return found


def _surveillance(journey: Journey) -> str:
    """Surveillance 1 scheduled on SURVEILLANCE_DAY after the year's upkeep that readiness asks for; a Stage 2
    minor still without its action is waived by top management, so that the audit can find it unaddressed."""
    journey.keep_up(SURVEILLANCE_DAY)
    missing = journey.run.json("audit", "readiness", PROGRAM, "--audit", "surveillance",
                               "--date", SURVEILLANCE_DAY)["missing"]
    assert all(m["code"].startswith("minor:") for m in missing), missing
    waivers = [a for m in missing for a in ("--waive", m["item"].split(":")[0])]  # named as the gates name theirs
    if waivers:
        waivers += ["--by", TOP, "--reason", "the body is to judge the open minor at this audit"]
    audit: str = journey.run.json("audit", "schedule", PROGRAM, "surveillance", "--date", SURVEILLANCE_DAY,
                                  "--auditor", CB, *waivers)["id"]
    return audit


def _raised_to_major(journey: Journey) -> str:
    """Surveillance 1 closed without verifying the Stage 2 minor: it is a major, due 2027-06-14."""

    def build() -> str:
        nc = _certified_with_a_minor(journey)
        closed = journey.run.json("audit", "close", _surveillance(journey))
        assert closed["raised_to_major"] == [
            f"{nc}: minor not verified at {closed['audit']}: raised to a major (verify by 2027-06-14)"]
        return nc

    nc: str = journey.reach("stage 2 minor raised to a major at surveillance 1", build)
    return nc


def test_a_stage_2_minor_is_due_by_the_next_audit_and_verified_there_by_its_cb_auditor_only(
    refuse: Refuse, journey: Journey
) -> None:
    nc = _certified_with_a_minor(journey)
    run = journey.run
    assert _finding(journey, nc)["due_by"] == {"audit": "surveillance-1", "date": "2027-04-27"}
    run.ok("nc", "advance", nc, "implement", "--by", TECH, "--note", "competence records completed")
    line = refuse("nc", "advance", nc, "verify", "--by", CB, "--effective")
    assert nc in line and "verified at the certification body's next audit" in line
    assert "audits no later certification audit" in line

    audit = _surveillance(journey)
    assert _finding(journey, nc)["due_by"] == {"audit": f"surveillance {audit}", "date": "2027-03-16"}
    line = refuse("nc", "advance", nc, "verify", "--by", AUDITOR, "--effective")
    assert f"{AUDITOR} is not a cb-auditor" in line and "next audit" in line
    assert run.json("nc", "advance", nc, "verify", "--by", CB, "--effective")["state"] == "effectiveness_verified"
    closed = run.json("audit", "close", audit)
    assert closed["raised_to_major"] == [] and closed["program_state"] == "surveillance_1"


def test_a_minor_unverified_when_the_next_audit_closes_is_raised_to_a_major_with_the_majors_deadline(
    journey: Journey
) -> None:
    nc = _raised_to_major(journey)
    shown = next(n for n in journey.run.json("nc", "list", PROGRAM) if n["id"] == nc)
    assert (shown["severity"], shown["verify_by"]) == ("major", "2027-06-14")
    assert _finding(journey, nc)["due_by"] == {"audit": None, "date": "2027-06-14"}
    assert "due by 2027-06-14" in journey.run.ok("status", PROGRAM).stdout


def test_with_the_setting_off_a_minor_left_unverified_stays_a_minor_due_at_the_following_audit(
    journey: Journey
) -> None:
    nc = _certified_with_a_minor(journey)
    run = journey.run
    assert run.json("program", "settings", PROGRAM, "--raise-unaddressed-minors", "off")["changed"] == {
        "raise_unaddressed_minors": [True, False]}
    assert run.json("audit", "close", _surveillance(journey))["raised_to_major"] == []
    finding = _finding(journey, nc)
    assert finding["severity"] == "minor"
    assert finding["due_by"]["audit"] == "surveillance-2"


def test_a_major_past_its_deadline_suspends_naming_it_and_verifying_it_lifts_the_suspension(
    refuse: Refuse, journey: Journey, tmp_path: Path
) -> None:
    nc = _raised_to_major(journey)
    run = journey.run
    moved = run.ok("clock", "set", "2027-06-15").stdout
    assert f"{nc}: major not verified by its deadline: certificate suspended (withdrawn unless resolved by " \
           "2027-12-15)" in moved
    status = journey.status()
    assert (status["state"], status["certificate"]["certificate_status"]) == ("suspended", "suspended")
    assert status["suspension"] == {
        "causes": [nc], "cause": f"{nc}: major not verified by its deadline", "since": "2027-06-15",
        "limit_months": 6, "withdrawn_unless_resolved_by": "2027-12-15"}
    assert any("withdrawn unless resolved by 2027-12-15" in flag for flag in status["flags"])
    calendar = tmp_path / "calendar.ics"
    run.ok("calendar", PROGRAM, "-o", str(calendar))
    events = {str(e.get("summary")): e for e in Calendar.from_ical(calendar.read_bytes()).walk("VEVENT")}
    limit = events["Suspension limit: the certificate is withdrawn unless its cause is resolved"]
    assert limit.decoded("dtstart").isoformat() == "2027-12-15"
    assert "certificate suspended" not in run.ok("clock", "set", "2027-06-15").stdout, "once a day, once"

    run.ok("nc", "advance", nc, "implement", "--by", TECH, "--note", "competence records completed")
    line = refuse("nc", "advance", nc, "verify", "--by", AUDITOR, "--effective")
    assert f"{AUDITOR} is not a cb-auditor" in line
    verified = run.ok("nc", "advance", nc, "verify", "--by", CB, "--effective").stdout
    assert f"suspension lifted: {nc} resolved" in verified
    status = journey.status()
    assert (status["state"], status["certificate"]["certificate_status"]) == ("surveillance_1", "active")
    assert status["suspension"] is None


def test_a_suspension_unresolved_past_the_limit_withdraws_the_certificate(refuse: Refuse, journey: Journey) -> None:
    nc = _raised_to_major(journey)
    run = journey.run
    run.ok("program", "settings", PROGRAM, "--suspension-limit-months", "3")
    assert "withdrawn unless resolved by 2027-09-15" in run.ok("clock", "set", "2027-06-15").stdout
    assert "withdrawn" not in run.ok("clock", "set", "2027-09-15").stdout, "the last day still counts"
    moved = run.ok("clock", "set", "2027-09-16").stdout
    assert "certificate withdrawn: suspended on 2027-06-15 and not resolved by 2027-09-15" in moved
    assert nc in moved
    status = journey.status()
    assert (status["state"], status["certificate"]["certificate_status"]) == ("withdrawn", "withdrawn")
    line = refuse("audit", "schedule", PROGRAM, "surveillance", "--date", "2027-10-04", "--auditor", CB)
    assert "withdrawn" in line
    line = refuse("certify", PROGRAM, "--decision-date", "2027-10-04")
    assert "withdrawn" in line


def test_the_verify_step_of_a_stage_2_minor_waits_for_the_cb_auditor_until_the_next_audit(
    journey: Journey, database_url: str
) -> None:
    from aimsflow.services.lookup import get_program
    from aimsflow.services.nonconformity_work import open_loop_work
    from aimsflow.uow import unit_of_work
    from models.db import engine_for

    nc = _certified_with_a_minor(journey)
    journey.run.ok("nc", "advance", nc, "implement", "--by", TECH, "--note", "competence records completed")
    with unit_of_work(engine_for(database_url)) as uow:
        opened = open_loop_work(uow, get_program(uow.session, PROGRAM), nc_ref=nc)["opened"]
    verify = next(i for i in journey.items() if i["id"] == opened[0])
    assert (verify["assignee"], verify["due"]) == (CB, "2027-04-27"), "the latest day of surveillance 1"
