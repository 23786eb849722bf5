"""The cycle's sanctions through the CLI: a missed surveillance suspends, a late one reinstates, expiry lapses.

A missed surveillance audit leads to suspension; holding it reinstates the certificate and the
cycle moves past it. A certificate that expires lapses; the CB may restore it within 6 months once
the recertification work is done, and after that only a new Stage 2 leads back.
"""

from __future__ import annotations

from tests.integration.conftest import CB, PROGRAM, Journey, Refuse

DECISION_DAY = "2026-04-27"  # expiry 2029-04-27; surveillance 1 due by 2027-04-27


def _certified(journey: Journey) -> None:
    def build() -> None:
        run = journey.run
        journey.to_phase("certification_stage_1")
        run.ok("clock", "set", "2026-01-12")
        stage_1 = run.json("audit", "schedule", PROGRAM, "stage1", "--date", "2026-01-12", "--auditor", CB)["id"]
        run.ok("audit", "close", stage_1)
        run.ok("clock", "set", "2026-03-02")
        stage_2 = run.json("audit", "schedule", PROGRAM, "stage2", "--date", "2026-03-02", "--auditor", CB)["id"]
        run.ok("audit", "close", stage_2)
        run.ok("clock", "set", DECISION_DAY)
        run.ok("certify", PROGRAM, "--decision-date", DECISION_DAY)

    journey.reach("certified, no findings", build)


def _surveillance(journey: Journey, day: str) -> dict[str, str]:
    run = journey.run
    audit = run.json("audit", "schedule", PROGRAM, "surveillance", "--date", day, "--auditor", CB)["id"]
    closed: dict[str, str] = run.json("audit", "close", audit)
    return closed


def _through_both_surveillances(journey: Journey) -> None:
    def build() -> None:
        _certified(journey)
        for day in ("2027-03-15", "2028-03-13"):
            journey.keep_up(day)
            _surveillance(journey, day)

    journey.reach("certified, both surveillances held", build)


def test_a_missed_surveillance_suspends_and_holding_it_late_reinstates_into_the_next_stretch_of_the_cycle(
    journey: Journey
) -> None:
    _certified(journey)
    run = journey.run
    moved = run.ok("clock", "set", "2027-04-28").stdout
    assert "surveillance 1 audit missed: certificate suspended" in moved
    status = journey.status()
    assert (status["state"], status["certificate"]["certificate_status"]) == ("suspended", "suspended")
    assert "AI system claims-triage: impact assessment stale" in status["flags"], "a year has passed"
    assert status["suspension"]["causes"] == ["surveillance 1"]
    assert status["suspension"]["withdrawn_unless_resolved_by"] == "2027-10-28"

    journey.keep_up("2027-04-28")
    assert _surveillance(journey, "2027-05-03")["program_state"] == "surveillance_1"
    run.ok("clock", "set", "2027-06-01")
    status = journey.status()
    assert (status["state"], status["certificate"]["certificate_status"]) == ("surveillance_1", "active")
    assert status["suspension"] is None, "holding the missed audit resolved the suspension's cause"

    run.ok("clock", "set", "2029-01-01")  # no surveillance in 2028: the second one was missed too
    assert journey.status()["state"] == "suspended"
    journey.keep_up("2029-01-01")
    assert _surveillance(journey, "2029-01-08")["program_state"] == "surveillance_2"
    assert journey.status()["certificate"]["certificate_status"] == "active"


def test_a_lapsed_certificate_is_restored_within_six_months_once_the_recertification_audit_is_done(
    journey: Journey
) -> None:
    _through_both_surveillances(journey)
    run = journey.run
    assert "lapsed (restorable until 2029-10-27)" in run.ok("clock", "set", "2029-04-28").stdout
    status = journey.status()
    assert (status["state"], status["certificate"]["certificate_status"]) == ("lapsed", "lapsed")

    journey.keep_up("2029-06-04")
    recertification = run.json("audit", "schedule", PROGRAM, "recertification", "--date", "2029-06-04",
                               "--auditor", CB)["id"]
    run.ok("audit", "close", recertification)
    restored = run.json("certify", PROGRAM, "--decision-date", "2029-06-20")
    assert (restored["state"], restored["cycle"], restored["expiry"]) == ("certified", 2, "2032-04-27")
    # The restored certificate stays on the original cycle: 2029-04-27 + 12 months, not 2029-06-20 + 12 months.
    assert restored["surveillance_1_due"] == "2030-04-27"
    assert journey.status()["certificate"]["surveillance_2_window"] == ["2031-01-01", "2031-12-31"]


def test_after_six_months_a_lapsed_certificate_is_not_restored_and_only_a_new_stage_2_leads_back(
    refuse: Refuse, journey: Journey
) -> None:
    _through_both_surveillances(journey)
    run = journey.run
    journey.keep_up("2029-11-05")
    recertification = run.json("audit", "schedule", PROGRAM, "recertification", "--date", "2029-11-05",
                               "--auditor", CB)["id"]
    run.ok("audit", "close", recertification)
    line = refuse("certify", PROGRAM, "--decision-date", "2029-11-12")
    assert "lapsed" in line and "Stage 2" in line
    stage_2 = run.json("audit", "schedule", PROGRAM, "stage2", "--date", "2029-11-19", "--auditor", CB)["id"]
    assert journey.status()["state"] == "certification_stage_2"
    run.ok("audit", "close", stage_2)
    run.ok("clock", "set", "2029-12-03")
    decided = run.json("certify", PROGRAM, "--decision-date", "2029-12-03")
    assert (decided["state"], decided["cycle"], decided["expiry"]) == ("certified", 2, "2032-12-03")
    assert "every chain intact" in run.ok("trail", "verify").stdout


def test_surveillance_takes_a_third_of_the_initial_audit_days_and_recertification_its_configured_share(
    journey: Journey
) -> None:
    _through_both_surveillances(journey)  # Stage 1 of 2 days and Stage 2 of 4: 6 initial days
    run = journey.run
    days = {a["id"]: a["days"] for a in run.json("audit", "list", PROGRAM)}
    surveillances = [a["id"] for a in run.json("audit", "list", PROGRAM) if a["kind"] == "surveillance"]
    assert [days[a] for a in surveillances] == [2, 2]
    run.ok("program", "settings", PROGRAM, "--recertification-effort-percent", "50")
    run.ok("clock", "set", "2029-02-12")
    recertification = run.json("audit", "schedule", PROGRAM, "recertification", "--date", "2029-02-12",
                               "--auditor", CB)["id"]
    assert {a["id"]: a["days"] for a in run.json("audit", "list", PROGRAM)}[recertification] == 3
