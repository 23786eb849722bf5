"""Incidents, complaints and monitoring results from the CLI (10.2, A.8.4, EU AI Act Art. 73)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from aimsflow.services.catalog import load_into
from aimsflow.services.portability import import_program, read_export
from aimsflow.trail import verify_trail
from aimsflow.uow import unit_of_work
from models import Incident
from models.db import create_tables, engine_for
from tests.integration.conftest import PROGRAM, START, TOP, Journey, Refuse

SYSTEM = "claims-triage"


def add(journey: Journey, *extra: str, found: str = START, system: str = SYSTEM) -> dict[str, Any]:
    r: dict[str, Any] = journey.run.json("incident", "add", PROGRAM, "--system", system, "--found", found,
                                         "--severity", "high", "--description", "claims routed to the wrong team",
                                         *extra)
    return r


def test_an_incident_on_an_assessed_system_makes_its_assessment_stale_and_opens_a_reassessment(
        journey: Journey) -> None:
    journey.to_phase("controls_implementation")
    journey.decide_soa()
    journey.complete_phase_work("controls_implementation")
    assert journey.status()["gate"]["passes"]
    r = add(journey)
    assert (r["incident"], r["impact_assessment"]) == ("INC-1", "stale")
    assert r["opened"]
    assert f"AI system {SYSTEM}: impact assessment stale" in journey.status()["gate"]["missing"]
    assert "every chain intact" in journey.run.ok("trail", "verify").stdout


def test_a_serious_incident_gets_its_report_as_a_work_item_due_15_days_after_awareness(journey: Journey) -> None:
    journey.start()
    journey.run.ok("clock", "set", "2025-01-10")
    r = add(journey, "--serious", "--aware", "2025-01-08")
    assert r["report_by"] == "2025-01-23"
    item = next(i for i in journey.items() if i["id"] == r["report_item"])
    assert item["due"] == "2025-01-23" and "Art. 73" in item["title"]
    assert item["assignee"]  # the program manager: reminders and escalation as for every work item


def test_a_death_shortens_the_report_deadline_to_10_days_and_critical_infrastructure_to_2(journey: Journey) -> None:
    journey.start()
    assert add(journey, "--serious", "--serious-cause", "death")["report_by"] == "2025-01-16"
    assert add(journey, "--serious", "--serious-cause", "critical-infrastructure")["report_by"] == "2025-01-08"


def test_a_complaint_raises_a_nonconformity_once(journey: Journey, refuse: Refuse) -> None:
    journey.start()
    add(journey, "--kind", "complaint")
    raised = journey.run.json("incident", "raise", "INC-1", "--ref", "A.8.4")
    assert raised["nonconformity"].startswith("NC-")
    ncs = journey.run.json("nc", "list", PROGRAM)
    assert [n["id"] for n in ncs] == [raised["nonconformity"]]
    listed = journey.run.json("incident", "list", PROGRAM)
    assert [(i["incident"], i["kind"], i["nonconformity"]) for i in listed] == [
        ("INC-1", "complaint", raised["nonconformity"])]
    line = refuse("incident", "raise", "INC-1")
    assert f"already raised {raised['nonconformity']}" in line


def test_a_serious_incident_is_reported_once(journey: Journey, refuse: Refuse) -> None:
    journey.start()
    add(journey, "--serious")
    add(journey)
    assert "not a serious incident" in refuse("incident", "report", "INC-2", "--date", START)
    assert "before awareness" in refuse("incident", "report", "INC-1", "--date", "2025-01-01")
    reported = journey.run.json("incident", "report", "INC-1", "--date", START)
    assert (reported["state"], reported["late"]) == ("reported", False)
    assert "reported" in refuse("incident", "report", "INC-1", "--date", START)


def test_each_wrong_incident_is_refused_naming_what_is_wrong_and_changes_nothing(
        journey: Journey, refuse: Refuse) -> None:
    journey.start()
    base = ("incident", "add", PROGRAM, "--severity", "high", "--description", "wrong routing")
    line = refuse(*base, "--system", "no-such-system", "--found", START)
    assert "--system" in line and "no-such-system" in line
    line = refuse(*base, "--system", SYSTEM, "--found", "2025-02-01")
    assert "--found" in line and "after today" in line
    line = refuse(*base, "--system", SYSTEM, "--found", START, "--aware", "2025-01-05")
    assert "--aware" in line and "before it was found" in line
    line = refuse(*base, "--system", SYSTEM, "--found", START, "--kind", "rumour")
    assert "--kind" in line and "rumour" in line
    line = refuse("incident", "add", PROGRAM, "--system", SYSTEM, "--found", START, "--severity", "dire",
                  "--description", "x")
    assert "--severity" in line and "dire" in line
    line = refuse(*base, "--system", SYSTEM, "--found", START, "--kind", "complaint", "--serious")
    assert "--serious" in line and "complaint" in line
    line = refuse(*base, "--system", SYSTEM, "--found", START, "--serious-cause", "death")
    assert "--serious-cause" in line and "serious incident" in line
    line = refuse("incident", "add", PROGRAM, "--system", SYSTEM, "--found", START, "--severity", "high",
                  "--description", "  ")
    assert "--description" in line
    line = refuse("incident", "raise", "INC-9")
    assert "INC-9" in line
    add(journey)
    line = refuse("incident", "raise", "INC-1", "--severity", "ofi")
    assert "--severity" in line and "ofi" in line


def test_the_management_review_inputs_b_and_d_include_the_incidents(journey: Journey) -> None:
    journey.start()
    add(journey, "--serious")
    add(journey, "--kind", "complaint")
    held = journey.run.json("review", "hold", PROGRAM, "--date", START, "--chair", TOP,
                            "--input-b", "MAS consultation on AI risk management",
                            "--input-c", "policyholders ask for explanations")
    assert held["inputs"]["b"].startswith("MAS consultation on AI risk management; ")
    assert "INC-1" in held["inputs"]["b"] and "not yet reported" in held["inputs"]["b"]
    assert "incidents: 1 (1 serious), complaints: 1" in held["inputs"]["d"]


def test_incidents_move_with_an_export_and_their_states_bind_to_the_trail(journey: Journey, tmp_path: Path) -> None:
    journey.start()
    add(journey, "--serious")
    journey.run.ok("incident", "report", "INC-1", "--date", START)
    add(journey, "--kind", "monitoring")
    journey.run.ok("incident", "raise", "INC-2")
    exported = journey.run.json("export", PROGRAM, "-o", str(tmp_path / "merlion.json"))
    assert exported["tables"]["incident"] == 2
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    create_tables(engine_for(url))
    with unit_of_work(engine_for(url)) as uow:
        load_into(uow.session)
    with unit_of_work(engine_for(url)) as uow:
        import_program(uow, read_export(exported["path"]))
    with unit_of_work(engine_for(url)) as uow:
        rows = list(uow.session.exec(select(Incident).order_by(col(Incident.id))))
        _, problems = verify_trail(uow.session)
    assert [(r.kind, r.state, r.nonconformity_id is not None) for r in rows] == [
        ("incident", "reported", False), ("monitoring", "open", True)]
    assert problems == []


def test_without_a_high_risk_system_the_calendar_keeps_only_the_act_dates_of_every_organization(
        journey: Journey, tmp_path: Path) -> None:
    journey.start()
    for system in ("claims-triage", "fraud-scoring"):  # the inventory's high-risk systems
        journey.run.ok("inventory", "advance", PROGRAM, system, "retire", "--reason", "replaced")
    written = journey.run.json("calendar", PROGRAM, "-o", str(tmp_path / "due.ics"))
    text = Path(written["path"]).read_text(encoding="utf-8")
    assert "eu-ai-act/2025-02-02" in text and "eu-ai-act/2026-12-02" in text
    assert "eu-ai-act/2027-12-02" not in text and "Annex III" not in text


def test_trail_verify_names_an_incident_whose_state_was_edited_behind_the_trail(journey: Journey) -> None:
    journey.start()
    add(journey)
    url = journey.run.env["AIMSFLOW_DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        pytest.skip("edits the SQLite file directly")
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE incident SET state = 'closed' WHERE id = 1")
    outcome = journey.run("trail", "verify")
    assert outcome.returncode == 1
    assert any("edited behind the trail's back" in line and "incident " in line
               for line in outcome.stdout.splitlines()), outcome.stdout


def test_an_incident_is_recorded_with_only_the_options_the_issue_names(journey: Journey) -> None:
    journey.start()
    r = journey.run.json("incident", "add", PROGRAM, "--system", SYSTEM, "--found", START, "--severity", "medium",
                         "--serious", "--kind", "incident")
    assert (r["incident"], r["serious"]) == ("INC-1", True)
    listed = journey.run.json("incident", "list", PROGRAM)
    assert "no description given yet" in listed[0]["description"]
