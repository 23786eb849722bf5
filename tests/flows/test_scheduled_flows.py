"""The scheduled flows: evidence freshness, the certification cycle and the management review."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta

from aimsflow.services import audits, evidence
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from flows.certification_cycle import certification_cycle
from flows.evidence_freshness import evidence_freshness
from flows.management_review import management_review
from models import Certificate
from tests.flows.builders import AUDITOR, PM, START, TECH, TOP, create_program, program_state, set_today, work_items


def test_evidence_that_expires_before_the_next_audit_is_requested_again_once(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    log_policy = tmp_path / "event-log-retention.txt"
    log_policy.write_text("event logs are kept 90 days\n", encoding="utf-8")
    with unit_of_work() as uow:
        program = get_program(uow.session, program_key)
        ev = evidence.add_evidence(uow, program, str(log_policy), refs=["A.6.2.8"], valid_for="1m", by=TECH)
        evidence.review_evidence(uow, ev["id"], by=PM, accept=True)
        audits.schedule_audit(uow, program, "internal", on=START + timedelta(days=60), auditors=[AUDITOR],
                              scope=["9.2"])

    first = evidence_freshness(program_key)["programs"][0]
    second = evidence_freshness(program_key)["programs"][0]

    assert first["next_audit"]["date"] == (START + timedelta(days=60)).isoformat()
    assert [s["evidence"] for s in first["stale"]] == [ev["id"]]
    assert len(first["requested"]) == 1 and second["requested"] == []
    request = next(i for i in work_items(program_key) if i["id"] == first["requested"][0])
    assert (request["key"], request["kind"], request["assignee"]) == (
        f"evidence:A.6.2.8:renew:{ev['id'].removeprefix('EV-')}", "evidence", TECH)
    assert date.fromisoformat(request["due"]) < START + timedelta(days=60)


def certified_on(key: str, decision: date) -> None:
    """Make the program certified on `decision` (set directly: the journey to it is another test's subject)."""
    with unit_of_work() as uow:
        program = get_program(uow.session, key)
        uow.session.add(Certificate(program_id=program.id, cycle=1, decision_date=decision,
                                    expiry=decision + relativedelta(years=3)))
        program.state = "certified"
        uow.session.add(program)


def test_the_certification_cycle_opens_surveillance_preparation_ahead_and_suspends_a_missed_audit(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    decision = date(2027, 11, 15)
    certified_on(program_key, decision)
    due = decision + relativedelta(months=12)

    set_today(due - timedelta(days=61))
    early = certification_cycle(program_key)["programs"][0]
    assert early["opened"] == [] and early["next"]["preparation_opens"] == (due - timedelta(days=60)).isoformat()

    set_today(due - timedelta(days=60))
    opened = certification_cycle(program_key)["programs"][0]["opened"]
    again = certification_cycle(program_key)["programs"][0]["opened"]
    assert len(opened) == 3 and again == []
    prep = [i for i in work_items(program_key) if i["id"] in opened]
    assert {i["assignee"] for i in prep} == {PM, TOP}
    assert all("surveillance 1 audit" in i["title"] for i in prep)

    set_today(due + timedelta(days=1))
    missed = certification_cycle(program_key)["programs"][0]
    withdrawn_by = (due + timedelta(days=1) + relativedelta(months=6)).isoformat()  # the suspension's limit
    assert missed["actions"] == [f"surveillance 1 audit missed: certificate suspended (withdrawn unless resolved by "
                                 f"{withdrawn_by})"]
    assert program_state(program_key) == "suspended"


def test_a_management_review_on_demand_opens_its_work_once_and_the_yearly_run_waits_for_the_aims(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    yearly = management_review()["programs"]
    assert next(r["skipped"] for r in yearly if r["program"] == program_key).startswith("program is in gap_analysis")

    on_demand = management_review(program_key, force=True)["programs"][0]
    assert set(on_demand["inputs"]) == {"a", "d", "e"}
    assert on_demand["inputs"]["a"] == "first management review: no earlier actions"
    assert len(on_demand["opened"]) == 3
    items = [i for i in work_items(program_key) if i["id"] in on_demand["opened"]]
    assert sorted(i["assignee"] for i in items) == sorted([PM, PM, TOP])
    assert management_review(program_key, force=True)["programs"][0]["opened"] == []
