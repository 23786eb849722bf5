"""New work goes to the owners whose committee function fits it, balanced by load; `work assign` moves several."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from aimsflow import notify
from aimsflow.rules.assignment import function_for
from aimsflow.services import work
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from tests.integration.conftest import START, Refuse

KEY = "fit"
PM, TOP = "Pat Manager", "Tess Board"
TECH_A, TECH_B, LAW = "Tariq Tech", "Tina Tech", "Lena Law"
COMMITTEE_REST = (("Cora Comply", "compliance"), ("Otto Ops", "operations"), ("Hana HR", "hr"))


def setup(run: Any, *owners: tuple[str, str]) -> None:
    """A program in gap analysis (its items opened unassigned), then its people, owners in the order given."""
    run.ok("init")
    run.ok("clock", "set", START, "--no-checks")
    run.ok("program", "create", "Fit Ltd", "--scope", "claims AI", "--start", START, "--key", KEY)
    run.ok("people", "add", KEY, PM, "--role", "program-manager", "--email", "pat@fit.example")
    run.ok("people", "add", KEY, TOP, "--role", "top-management", "--email", "tess@fit.example")
    for name, function in owners:
        run.ok("people", "add", KEY, name, "--role", "owner", "--function", function,
               "--email", f"{name.split()[0].lower()}@fit.example")


def owners_by_function(run: Any) -> dict[str | None, Counter[str]]:
    out: dict[str | None, Counter[str]] = defaultdict(Counter)
    for item in run.json("work", "list", KEY):
        role = "other" if item["assignee"] in (PM, TOP) else "owner"
        out[function_for(key=item["key"], subject=item["subject"], role=role)][item["assignee"]] += 1
    return out


def test_owners_added_after_the_gap_analysis_opened_each_get_the_clauses_of_their_function_evenly(run: Any) -> None:
    setup(run, (TECH_A, "technology"), (TECH_B, "technology"), (LAW, "legal"))
    by_function = owners_by_function(run)
    tech = by_function["technology"]
    assert set(tech) == {TECH_A, TECH_B} and abs(tech[TECH_A] - tech[TECH_B]) <= 1, tech
    assert set(by_function["legal"]) == {LAW}, by_function["legal"]
    # Compliance, operations and HR have no one yet: their clauses wait with an owner by role, not with nobody.
    assert all(item["assignee"] for item in run.json("work", "list", KEY))


def test_a_phase_opened_in_one_transaction_spreads_its_items_over_the_owners_of_each_function(run: Any) -> None:
    setup(run, (TECH_A, "technology"), (TECH_B, "technology"), (LAW, "legal"), *COMMITTEE_REST)
    clauses = [i["subject"] for i in run.json("work", "list", KEY) if i["kind"] == "clause_assessment"]
    with unit_of_work() as uow:
        program = get_program(uow.session, KEY)
        refs = [work.open_item(uow, program, key=f"again:{c}", kind="clause_assessment", subject=c,
                               title=f"Assess {c} again", role="owner", due=uow.today(program),
                               phase="gap_analysis", actor="test") for c in clauses]
    opened = {i["id"]: i for i in run.json("work", "list", KEY) if i["id"] in refs}
    per_function: dict[str, Counter[str]] = defaultdict(Counter)
    for item in opened.values():
        per_function[function_for(key="clause", subject=item["subject"], role="owner") or "-"][item["assignee"]] += 1
    assert set(per_function["technology"]) == {TECH_A, TECH_B}
    assert abs(per_function["technology"][TECH_A] - per_function["technology"][TECH_B]) <= 1, per_function
    assert set(per_function["legal"]) == {LAW} and set(per_function["hr"]) == {"Hana HR"}
    assert sum(per_function["technology"].values()) > 2, "enough technology clauses to see the spread"


def test_a_person_added_later_takes_over_only_the_untold_work_of_their_function(run: Any, tmp_path: Path) -> None:
    setup(run, (TECH_A, "technology"))
    first = owners_by_function(run)
    assert set(first["legal"]) == {TECH_A}, "no lawyer yet: the owner by role holds the legal clauses"

    added = run.json("people", "add", KEY, LAW, "--role", "owner", "--function", "legal", "--email", "lena@fit.example")
    by_function = owners_by_function(run)
    assert set(by_function["legal"]) == {LAW}
    assert set(by_function["compliance"]) == {TECH_A}, "not her function: it stays"
    assert len(added["assigned"]) == sum(by_function["legal"].values())

    notify.deliver_pending(notify.MailboxTransport(tmp_path / "mail.mbox"))  # the owners are told
    late = run.json("people", "add", KEY, "Harun HR", "--role", "owner", "--function", "hr")
    assert late["assigned"] == [], "work already mailed to its owner stays with them"


def test_work_assign_moves_several_items_at_once_and_keeps_the_one_item_form(run: Any, refuse: Refuse) -> None:
    setup(run, (TECH_A, "technology"), (LAW, "legal"))
    mine = [i for i in run.json("work", "list", KEY) if i["assignee"] == TECH_A][:3]
    moved = run.json("work", "assign", KEY, *(i["id"] for i in mine[:2]), "--to", LAW)
    assert [m["id"] for m in moved] == [i["id"] for i in mine[:2]] and {m["assignee"] for m in moved} == {LAW}
    assert run.json("work", "assign", mine[2]["id"], "--to", LAW)["assignee"] == LAW

    line = refuse("work", "assign", KEY, mine[0]["id"], "WI-9999", "--to", TECH_A)
    assert "WI-9999" in line
    assert {i["assignee"] for i in run.json("work", "list", KEY) if i["id"] == mine[0]["id"]} == {LAW}
