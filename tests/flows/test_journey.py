"""A shortened journey through the flows, with owner-task runs created from their deployment.

Runs are executed in this process the way a runner executes them: from the deployment they
suspend (the execution ends), and after a resume through Prefect's API they run again from the top.
The bulk of the gap analysis is completed through the services; the steps that matter go through
the owners' forms: a clause assessment (first with a wrong code), the roadmap approval that passes
the gate, and every step of a nonconformity's corrective-action loop.
"""

from __future__ import annotations

from pathlib import Path

from aimsflow.services import audits, findings
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from flows.deadline_sweep import deadline_sweep
from flows.nonconformity import nonconformity
from flows.start_phase import start_phase
from tests.flows.builders import (
    AUDITOR,
    PM,
    START,
    complete_open_work,
    create_program,
    execute_deployed_run,
    give_code,
    item_by_key,
    owner_run_of,
    program_state,
    resume_run,
    waiting_form,
    work_items,
)


def complete_in_form(item: str, wrong_first: bool = False, **fields: object) -> dict:
    """The owner opens the waiting run's form and submits it (optionally a wrong code first)."""
    run = owner_run_of(item)
    assert run is not None, f"{item} has no owner-task run"
    code = give_code(item)
    assert execute_deployed_run(run)[0] == "Suspended"
    attempt = 1
    assert waiting_form(run, attempt, "suspended").startswith(f"## {item}:")
    if wrong_first:
        resume_run(run, code="AAAA-AAAA", **fields)
        assert execute_deployed_run(run)[0] == "Not accepted"
        attempt += 1
        assert "completion code is not right" in waiting_form(run, attempt, "suspended").splitlines()[0]
    resume_run(run, code=code, **fields)
    state, result = execute_deployed_run(run)
    assert state in ("Accepted", "Submitted") and state.lower() == result["outcome"], (state, result)
    return result


def test_a_shortened_journey_runs_through_the_flows(database: str, program_key: str, owner_deployment: str,
                                                    tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    started = start_phase(program_key, deliver=False)
    gap = [i for i in work_items(program_key) if i["phase"] == "gap_analysis"]
    assert set(started["owner_runs"]) == {i["id"] for i in gap}

    # Most of the gap analysis is done elsewhere (the CLI); a run whose item is done has nothing to wait for.
    complete_open_work(program_key, keep={"clause:10.2", "roadmap-approval"})
    inventory = item_by_key(program_key, "inventory")["id"]
    state, result = execute_deployed_run(owner_run_of(inventory))
    assert (state, result["outcome"]) == ("Nothing to do", "nothing-to-do")

    clause = item_by_key(program_key, "clause:10.2")["id"]
    done = complete_in_form(clause, wrong_first=True, assessment="partial", note="corrective actions not tracked")
    assert (done["outcome"], done["advanced"], done["attempts"]) == ("accepted", None, 2)

    approval = item_by_key(program_key, "roadmap-approval")["id"]
    done = complete_in_form(approval, approve=True, note="approved by the board")
    assert done["advanced"] == "foundation_building"
    assert program_state(program_key) == "foundation_building"
    foundation = [i for i in work_items(program_key) if i["phase"] == "foundation_building"]
    assert len(foundation) == 7 and all(owner_run_of(i["id"]) for i in foundation)

    # An internal audit finds a minor: its loop's work opens step by step, each done in an owner's form.
    with unit_of_work() as uow:
        program = get_program(uow.session, program_key)
        audit = audits.schedule_audit(uow, program, "internal", on=START, auditors=[AUDITOR], scope=["9.2"])
        nc = findings.add_finding(uow, audit, severity="minor", ref_id="A.6.2.8",
                                text="event logs kept 30 days, the policy says 90")["nonconformity"]
    assert nonconformity(program_key)["steps"] == {nc: "correct"}
    nc_number = nc.removeprefix("NC-")
    for step, fields in (("correct", {"note": "retention raised to 90 days"}),
                         ("analyse", {"note": "the default was never changed"}),
                         ("plan", {"note": "configuration baseline for log retention"}),
                         ("implement", {"note": "baseline applied to every system"}),
                         ("verify", {"note": "sampled three systems", "effective": True}),
                         ("close", {"note": "no similar cases elsewhere"})):
        active = [i for i in work_items(program_key) if i["key"].startswith(f"nc:{nc_number}:")
                  and i["state"] not in ("accepted", "cancelled")]
        assert [i["key"] for i in active] == [f"nc:{nc_number}:1:{step}"]
        if step == "verify":
            assert active[0]["assignee"] == AUDITOR
        if step == "close":
            assert active[0]["assignee"] == PM
        result = complete_in_form(active[0]["id"], **fields)
        assert result["outcome"] == "accepted"
    with unit_of_work() as uow:
        from aimsflow.services.nonconformities import list_nonconformities

        assert list_nonconformities(uow, get_program(uow.session, program_key), open_only=True) == []

    sweep = deadline_sweep(program_key, deliver=False)
    assert sweep["owner_runs"] == {}, "every open item already has its owner run"
