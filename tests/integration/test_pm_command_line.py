"""The command line a program manager lives in: what waits for review, one nonconformity, one audit,
JSON for every command and its refusals, and who typed a step in for someone else.

The steps asserted on run in a real `aimsflow` process (`cli`); the set-up runs the same main() in
this process. The login at the keyboard is set through LOGNAME, which the login lookup reads first.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from aimsflow.uow import unit_of_work
from models import Event
from tests.conftest import Cli
from tests.integration.conftest import AUDITOR, INTERNAL_AUDIT_DAY, PM, PROGRAM, TECH, TOP, Journey

LOGIN = "pm-at-keyboard"


@pytest.fixture
def at_keyboard(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`aimsflow` in a subprocess whose user logged in as LOGIN (and main() in this process likewise)."""
    monkeypatch.setenv("LOGNAME", LOGIN)
    return Cli({**cli.env, "LOGNAME": LOGIN}, cli.cwd)


def test_review_list_shows_submitted_evidence_with_its_submitter_reviewer_and_evidence_until_it_is_decided(
    journey: Journey, cli: Cli
) -> None:
    journey.to_phase("controls_implementation")
    journey.decide_soa()
    item = journey.items(kind="evidence")[0]
    done = journey.complete(item)
    assert done["state"] == "submitted" and done["reviewer"] and done["reviewer"] != item["assignee"]
    today = journey.status()["today"]

    rows = cli.json("review", "list", PROGRAM)
    row = next(r for r in rows if r["id"] == item["id"])
    assert (row["submitter"], row["reviewer"], row["since"], row["days"], row["evidence"]) == (
        item["assignee"], done["reviewer"], today, 0, 1)
    text = cli.ok("review", "list", PROGRAM).stdout
    line = next(line for line in text.splitlines() if line.startswith(item["id"] + " "))
    assert done["reviewer"] in line and item["assignee"] in line

    mine = cli.json("review", "list", PROGRAM, "--reviewer", done["reviewer"])
    assert item["id"] in [r["id"] for r in mine]
    other = AUDITOR if done["reviewer"] != AUDITOR else PM
    assert item["id"] not in [r["id"] for r in cli.json("review", "list", PROGRAM, "--reviewer", other)]

    journey.accept(done)
    assert item["id"] not in [r["id"] for r in cli.json("review", "list", PROGRAM)]


def test_evidence_added_on_its_own_waits_in_review_list_for_anyone_but_its_submitter(
    journey: Journey, cli: Cli, tmp_path: Path
) -> None:
    journey.start()
    file = tmp_path / "policy.txt"
    file.write_text("the AI policy, signed\n", encoding="utf-8")
    added = cli.json("evidence", "add", PROGRAM, str(file), "--control", "5.2", "--by", TECH)
    row = next(r for r in cli.json("review", "list", PROGRAM) if r["id"] == added["id"])
    assert (row["kind"], row["submitter"], row["reviewer"], row["evidence"]) == ("evidence", TECH, None, 1)
    assert "anyone but the submitter" in cli.ok("review", "list", PROGRAM).stdout


def open_internal_finding(journey: Journey) -> tuple[str, str]:
    """An internal audit under way with a minor finding on 8.4: (audit, nonconformity)."""
    journey.to_phase("testing_and_refinement")
    audit = journey.internal_audit(close=False)
    finding = journey.run.json("audit", "finding", audit, "--severity", "minor", "--ref", "8.4",
                               "--text", "no record of the operational planning review")
    return audit, finding["nonconformity"]


def test_nc_show_tells_the_loop_state_round_due_dates_and_history_with_who_entered_each_step(
    journey: Journey, at_keyboard: Cli
) -> None:
    _, nc = open_internal_finding(journey)
    for trigger, note in (("correct", "planning review held"), ("analyse", "no owner for the review")):
        journey.run.ok("nc", "advance", nc, trigger, "--by", TECH, "--note", note)

    shown = at_keyboard.json("nc", "show", nc)
    assert (shown["id"], shown["severity"], shown["ref"], shown["state"], shown["round"]) == (
        nc, "minor", "8.4", "root_cause_analysis", 1)
    assert shown["waiting_for"] == "plan" and shown["allowed"]
    assert shown["due"]["verify_by"] is None  # a minor has no CB deadline
    steps = [(h["step"], h["to"], h["by"], h["entered_by"]) for h in shown["history"]]
    assert steps[0][:2] == ("raise", "raised")
    assert steps[1:] == [("correct", "correction", TECH, LOGIN), ("analyse", "root_cause_analysis", TECH, LOGIN)]
    assert shown["rounds"][0]["correction"] == "planning review held"

    text = at_keyboard.ok("nc", "show", nc).stdout
    assert text.startswith(f"{nc} minor on 8.4: root_cause_analysis (round 1)")
    assert f"correct: raised -> correction by {TECH} (entered by {LOGIN}): planning review held" in text


def test_audit_show_tells_kind_dates_auditors_scope_and_findings_with_their_nonconformities(
    journey: Journey, cli: Cli
) -> None:
    audit, nc = open_internal_finding(journey)
    shown = cli.json("audit", "show", audit)
    assert (shown["id"], shown["kind"], shown["state"], shown["start"], shown["auditors"]) == (
        audit, "internal", "in_progress", INTERNAL_AUDIT_DAY, [AUDITOR])
    assert "4.1" in shown["scope"] and "10.2" in shown["scope"]
    assert [(f["severity"], f["ref"], f["nonconformity"]) for f in shown["findings"]] == [("minor", "8.4", nc)]
    assert shown["by_severity"]["minor"] == 1

    text = cli.ok("audit", "show", audit).stdout.splitlines()
    assert text[0].startswith(f"{audit} internal audit of {PROGRAM}: in_progress")
    assert f"auditors: {AUDITOR}" in text
    assert any(line.strip().startswith("F-") and f"-> {nc} (raised)" in line for line in text)


def test_a_refusal_with_json_is_one_json_object_on_stderr_whose_exit_is_the_process_exit_code(
    journey: Journey, cli: Cli
) -> None:
    journey.start()
    gate = cli("phase", "advance", PROGRAM, "--json")
    assert gate.returncode == 4 and gate.stdout == ""
    assert len(gate.error_lines) == 1
    refusal = json.loads(gate.stderr)
    assert refusal["exit"] == gate.returncode
    assert "roadmap: not approved by top management" in refusal["missing"]
    assert all(item in refusal["error"] for item in refusal["missing"])

    nobody = cli("risk", "add", PROGRAM, "Pricing drifts", "--owner", "Nobody Here", "--json")
    shown = json.loads(nobody.stderr)
    assert (shown["exit"], nobody.returncode, shown["field"], shown["record"], shown["missing"]) == (
        3, 3, "--owner", "Nobody Here", [])
    assert shown["error"] == (f"--owner: 'Nobody Here' is not a person of program {PROGRAM} "
                              "(add with: aimsflow people add)")
    # Without --json the same refusal is the one line it always was.
    assert cli("risk", "add", PROGRAM, "Pricing drifts", "--owner", "Nobody Here").error_lines == [
        "error: " + shown["error"]]

    usage = cli("work", "complete", "WI-1", "--json")  # --by is missing: a usage error, also as JSON
    assert usage.returncode == 2 and json.loads(usage.stderr)["exit"] == 2
    assert "--by" in json.loads(usage.stderr)["error"]


def test_clock_moves_with_json_print_the_daily_checks_of_each_program_for_the_new_date(
    journey: Journey, cli: Cli
) -> None:
    journey.start()
    moved = cli.json("clock", "advance", "60d")
    assert moved["simulated"] is True and moved["checks_ran"] is True
    [checks] = moved["programs"]
    assert (checks["program"], checks["day"]) == (PROGRAM, moved["date"])
    assert "sweep" in checks["ran"] and checks["swept"]["overdue"], "work of the first weeks is now late"
    assert checks["actions"]
    assert cli.json("clock", "set", "2030-01-01", "--no-checks")["programs"] == []


def sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_commands_that_write_a_file_say_with_json_what_they_wrote(journey: Journey, cli: Cli, tmp_path: Path) -> None:
    journey.start()
    calendar = cli.json("calendar", PROGRAM, "-o", str(tmp_path / "due.ics"))
    assert calendar["events"] > 0 and calendar["sha256"] == sha256(calendar["path"])
    exported = cli.json("export", PROGRAM, "-o", str(tmp_path / "merlion.json"))
    assert exported["sha256"] == sha256(exported["path"]) and exported["rows"] == sum(exported["tables"].values())
    report = cli.json("report", "gap-analysis", PROGRAM, "--format", "md", "-o", str(tmp_path / "gap.md"))
    assert (report["kind"], report["format"], report["sha256"]) == ("gap-analysis", "md", sha256(report["path"]))
    data = cli.json("report", "gap-analysis", PROGRAM)  # no file: the report's own data
    assert data["header"]["program"]["key"] == PROGRAM


def events(row_ref: str, trigger: str) -> list[Event]:
    with unit_of_work() as uow:
        return list(uow.session.exec(select(Event).where(Event.row_ref == row_ref, Event.trigger == trigger)
                                     .order_by(col(Event.seq))))


def test_a_step_entered_for_someone_else_keeps_both_in_the_trail_and_the_report_shows_both(
    journey: Journey, at_keyboard: Cli
) -> None:
    _, nc = open_internal_finding(journey)
    for trigger in ("correct", "analyse", "plan"):
        journey.run.ok("nc", "advance", nc, trigger, "--by", TECH, "--note", f"{trigger} done")
    at_keyboard.ok("nc", "advance", nc, "implement", "--by", TECH, "--note", "review owner named")

    [implemented] = events(nc, "implement")
    assert (implemented.actor, implemented.payload["entered_by"]) == (TECH, LOGIN)
    assert at_keyboard.ok("trail", "verify").stdout.startswith("trail verified")

    report: dict[str, Any] = at_keyboard.json("report", "nonconformities", PROGRAM)
    [row] = [n for n in report["nonconformities"] if n["id"] == nc]
    assert row["rounds"][0]["implemented_by"] == f"{TECH} (entered by {LOGIN})"
    markdown = at_keyboard.ok("report", "nonconformities", PROGRAM, "--format", "md").stdout
    assert f"{TECH} (entered by {LOGIN})" in markdown


def test_work_completed_and_accepted_for_others_records_the_login_and_the_evidence_portfolio_shows_it(
    journey: Journey, at_keyboard: Cli
) -> None:
    journey.to_phase("controls_implementation")
    journey.decide_soa()
    item = journey.items(kind="evidence")[0]
    done = at_keyboard.json("work", "complete", item["id"], "--by", item["assignee"], "--evidence",
                            journey.evidence_file(item["key"]))
    at_keyboard.ok("work", "accept", item["id"], "--by", done["reviewer"])
    [submitted] = events(item["id"], "submit")
    [accepted] = events(item["id"], "accept")
    assert (submitted.actor, submitted.payload["entered_by"]) == (item["assignee"], LOGIN)
    assert (accepted.actor, accepted.payload["entered_by"]) == (done["reviewer"], LOGIN)

    portfolio = at_keyboard.json("report", "evidence-portfolio", PROGRAM)
    shown = [ev for section in portfolio["sections"] for group in section["groups"] for ev in group["evidence"]
             if group["ref"] == item["subject"]]
    assert [(ev["submitted_by"], ev["reviewer"]) for ev in shown] == [
        (f"{item['assignee']} (entered by {LOGIN})", f"{done['reviewer']} (entered by {LOGIN})")]


def test_a_risk_accepted_for_top_management_shows_who_typed_it_in_the_risk_register(
    journey: Journey, at_keyboard: Cli
) -> None:
    journey.start()
    journey.run.ok("risk", "criteria", PROGRAM, "--threshold", "8")
    risk = journey.run.json("risk", "add", PROGRAM, "Claims triage drifts after retraining")["id"]
    journey.run.ok("risk", "assess", risk, "--likelihood", "4", "--impact", "4")
    journey.run.ok("risk", "treat", risk, "--treatment", "accept", "--residual-likelihood", "3",
                   "--residual-impact", "4")
    at_keyboard.ok("risk", "accept", risk, "--by", TOP, "--reason", "monitoring catches drift within a week")
    [accepted] = events(risk, "accept")
    assert (accepted.actor, accepted.payload["entered_by"]) == (TOP, LOGIN)
    register = at_keyboard.json("report", "risk-register", PROGRAM)
    assert [r["accepted_by"] for r in register["risks"] if r["id"] == risk] == [f"{TOP} (entered by {LOGIN})"]
