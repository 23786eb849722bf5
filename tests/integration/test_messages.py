"""One refusal, two layers: the command line names its flag, the owner's form names its field.

The service raises once; `aimsflow.cli.messages` words it for the command line and
`aimsflow.forms.refusal` for the Prefect form. Both are reached through their real paths: `main()`
in this process, and the owner-task's submission and form (the services the flow's tasks call).
"""

from __future__ import annotations

import re

import pytest

from aimsflow import completion_codes
from aimsflow.errors import AimsflowError
from aimsflow.forms import refusal
from aimsflow.services import owner_tasks
from aimsflow.uow import unit_of_work
from models import WorkItem
from tests.integration.conftest import PM, PROGRAM, Journey, Refuse

FLAG = re.compile(r"--[a-z]")


def form_after_refused_submission(item: str, **submitted: object) -> str:
    """The owner submits the form; the refusal is shown on top of the re-opened form, as the flow shows it."""
    code = completion_codes.new_code()
    with unit_of_work() as uow:  # what the assignment notice does: only the code's hash is stored
        row = uow.session.get_one(WorkItem, int(item.removeprefix("WI-")))
        row.completion_code_hash = completion_codes.hash_code(code)
        uow.session.add(row)
    with pytest.raises(AimsflowError) as refused, unit_of_work() as uow:
        owner_tasks.submit_owner_form(uow, item, code=code, **submitted)  # type: ignore[arg-type]
    with unit_of_work() as uow:
        return owner_tasks.describe_owner_task(uow, item, refusal(refused.value)).spec.description


def test_an_empty_note_on_a_record_item_is_refused_as_note_on_the_command_line_and_in_the_form(
    refuse: Refuse, journey: Journey
) -> None:
    journey.to_phase("foundation_building")
    record = journey.item("training")
    assert record["kind"] == "record"

    line = refuse("work", "complete", record["id"], "--by", record["assignee"], "--note", " ")
    assert record["id"] in line and "--note" in line
    assert line.startswith("error: --note: "), "the flag leads, as the service gave the field"

    form = form_after_refused_submission(record["id"], note=" ")
    top = form.splitlines()[0]
    assert top.startswith("> **Not accepted:**") and record["id"] in top
    assert re.search(r"\bnote\b", top, flags=re.IGNORECASE), top
    assert top.startswith("> **Not accepted:** **Note**: "), "the field by the label the form shows"
    assert not FLAG.search(top) and "aimsflow " not in top, top


def test_a_clause_assessment_without_a_rating_names_the_assessment_flag_and_the_assessment_field(
    refuse: Refuse, journey: Journey
) -> None:
    journey.start()
    clause = journey.item("clause:4.1")
    line = refuse("work", "complete", clause["id"], "--by", clause["assignee"], "--note", "context known")
    assert line.startswith(f"error: --assessment: {clause['id']} assesses clause 4.1: "), line

    top = form_after_refused_submission(clause["id"], note="context known").splitlines()[0]
    assert top.startswith(f"> **Not accepted:** **Assessment**: {clause['id']} assesses clause 4.1"), top
    assert not FLAG.search(top) and "aimsflow " not in top, top


def test_an_unknown_person_is_named_by_the_commands_flag_with_the_command_that_adds_people(
    refuse: Refuse, journey: Journey
) -> None:
    journey.start()
    line = refuse("risk", "add", PROGRAM, "Pricing drifts", "--owner", "Nobody Here")
    assert line == (f"error: --owner: 'Nobody Here' is not a person of program {PROGRAM} "
                    "(add with: aimsflow people add)")


def test_an_argument_is_named_as_the_command_writes_it(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    assert refuse("people", "add", PROGRAM, " ", "--role", "owner").startswith("error: NAME: ")
    assert refuse("clock", "set", "2026-02-30").startswith("error: DATE: '2026-02-30' is not a date")
    assert refuse("audit", "schedule", PROGRAM, "yearly", "--date", "2026-03-02").startswith(
        "error: KIND: 'yearly' is not one of ")
    assert refuse("inventory", "advance", PROGRAM, "claims-triage", "launch").startswith(
        "error: TRIGGER: 'launch' is not one of ")


def test_past_the_implementation_phases_the_command_line_names_the_command_that_moves_on(
    refuse: Refuse, journey: Journey
) -> None:
    journey.to_phase("certification_stage_1")
    line = refuse("phase", "advance", PROGRAM)
    assert line.startswith(f"error: program {PROGRAM} is in certification_stage_1: no phase to advance; "), line
    assert line.endswith("then schedule Stage 2 (aimsflow audit schedule)"), line


def test_a_person_who_exists_is_told_the_command_that_adds_a_role(refuse: Refuse, journey: Journey) -> None:
    journey.start()
    line = refuse("people", "add", PROGRAM, PM, "--role", "owner")
    assert line.endswith(f"; to add a role: aimsflow people role {PROGRAM} '{PM}' --role ROLE"), line
