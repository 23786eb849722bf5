"""owner-task: the owner's form, a refused submission that waits again, and a completion that moves the gate."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.dumps import difference, dump
from tests.flows.builders import (
    InProcessOwnerTask,
    complete_open_work,
    create_program,
    events,
    form_schema,
    give_code,
    item_by_key,
    program_state,
    state_name,
)


def a_program_one_approval_short_of_its_gap_analysis_gate(key: str, tmp_path: Path) -> str:
    create_program(key, tmp_path)
    complete_open_work(key, keep={"roadmap-approval"})
    approval = item_by_key(key, "roadmap-approval")
    assert program_state(key) == "gap_analysis"
    return approval["id"]


def test_an_owner_task_resumed_with_a_wrong_code_waits_not_accepted_prefilled_and_the_database_is_unchanged(
        database: str, program_key: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    item = a_program_one_approval_short_of_its_gap_analysis_gate(program_key, tmp_path)
    code = give_code(item)
    run = InProcessOwnerTask(item)
    form = run.form(1)
    assert form.startswith(f"## {item}: Approve the prioritized roadmap")
    assert "completion code" in form
    assert state_name(run.id) == "Paused"

    before = dump(database)
    with caplog.at_level(logging.WARNING):
        run.resume(code="WRONG-CODE", approve=True, note="approved")
        again = run.form(2)
    assert dump(database) == before, difference(before, dump(database))
    assert again.startswith("> **Not accepted:**") and "completion code is not right" in again.splitlines()[0]
    assert state_name(run.id) == "Not accepted", "the run list shows the refusal, not just another pause"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("Not accepted" in w and "completion code is not right" in w for w in warnings), warnings
    fields = form_schema(run.id, 2)["properties"]
    assert (fields["note"]["default"], fields["approve"]["default"]) == ("approved", True), "the answers come back"
    assert "default" not in fields["code"], "the code is typed again"
    assert "--" not in again and "aimsflow " not in again, "no command-line words in the form"

    run.resume(code=code.lower(), approve=True, note="roadmap approved for 2027")
    result = run.result()
    assert result["outcome"] == "accepted"
    assert state_name(run.id) == "Accepted"
    assert result["advanced"] == "foundation_building"
    assert item_by_key(program_key, "roadmap-approval")["state"] == "accepted"
    assert program_state(program_key) == "foundation_building"


def test_an_approval_not_given_is_recorded_and_the_run_waits_again_saying_why(
        database: str, program_key: str, tmp_path: Path) -> None:
    item = a_program_one_approval_short_of_its_gap_analysis_gate(program_key, tmp_path)
    code = give_code(item)
    run = InProcessOwnerTask(item)
    run.form(1)
    run.resume(code=code, approve=False, note="the roadmap skips the HR screening system")
    form = run.form(2)
    assert "you did not approve it: the roadmap skips the HR screening system" in form.splitlines()[0]
    assert item_by_key(program_key, "roadmap-approval")["state"] == "open"
    assert [e.payload["reason"] for e in events(program_key, "decline")] == [
        "the roadmap skips the HR screening system"]

    run.resume(code=code, approve=False, note="")  # declining needs a reason
    assert "say why in the note" in run.form(3).splitlines()[0]
    run.resume(code=code, approve=True, note="HR screening added to the roadmap")
    assert run.result()["advanced"] == "foundation_building"


def test_a_clause_assessment_without_a_note_waits_again_and_with_one_is_recorded(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    item = item_by_key(program_key, "clause:4.1")["id"]
    code = give_code(item)
    run = InProcessOwnerTask(item)
    assert "conforms, partial or gap" in run.form(1)
    schema = form_schema(run.id, 1)
    assert {"code", "assessment", "note"} <= set(schema["required"]), "the form does not call the note optional"
    with pytest.raises(RuntimeError, match="note"):  # the form itself refuses an empty note
        run.resume(code=code, assessment="partial", note="")
    run.resume(code=code, assessment="partial", note="  ")
    refused = run.form(2).splitlines()[0]
    assert "note explaining the assessment is required" in refused and "--note" not in refused
    assert "note" in form_schema(run.id, 2)["required"], "still required when it comes back pre-filled"
    run.resume(code=code, assessment="partial", note="roles are known, not documented")
    result = run.result()
    assert result["outcome"] == "accepted" and result["advanced"] is None
    assert item_by_key(program_key, "clause:4.1")["state"] == "accepted"
