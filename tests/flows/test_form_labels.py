"""The owner form's labels and the words a refusal uses for its fields are the same words; required means required."""

from __future__ import annotations

import pytest

from aimsflow.forms import FIELD_LABELS, form_spec
from aimsflow.services.owner_tasks import note_required
from flows.owner_task import form_model
from tasks.owner import OwnerTask


def owner_task(kind: str, loop_step: str | None = None, inbox_files: tuple[str, ...] = ()) -> OwnerTask:
    spec = form_spec(item_id="WI-1", kind=kind, title="t", subject="4.1", phase="gap_analysis", due="2026-01-01",
                     assignee="Ada", program="p", inbox="/srv/inbox" if inbox_files else None,
                     inbox_files=inbox_files)
    return OwnerTask(item="WI-1", program="p", state="open", active=True, assignee="Ada", spec=spec,
                     loop_step=loop_step, nonconformity="NC-1" if loop_step else None,
                     needs_note=note_required(kind, loop_step))


@pytest.mark.parametrize("kind", ["clause_assessment", "approval", "evidence", "record"])
def test_a_refusal_names_each_field_by_the_title_the_form_shows(kind: str) -> None:
    task = owner_task(kind, loop_step="verify", inbox_files=("policy.pdf",))
    titles = {name: field.title for name, field in form_model(task).model_fields.items() if field.title}
    assert titles, "the form has titled fields"
    assert {name: FIELD_LABELS[name] for name in titles} == titles


@pytest.mark.parametrize(("kind", "loop_step", "required"), [
    ("clause_assessment", None, True), ("corrective_action", "analyse", True), ("corrective_action", "plan", True),
    ("corrective_action", "verify", False), ("approval", None, False), ("record", None, False),
    ("evidence", None, False),
])
def test_the_note_is_required_exactly_where_a_submission_without_one_is_refused(
        kind: str, loop_step: str | None, required: bool) -> None:
    model = form_model(owner_task(kind, loop_step), previous={"note": "as before", "code": "ABCD-EFGH"})
    schema = model.model_json_schema()
    assert ("note" in schema["required"]) is required
    assert schema["properties"]["note"]["default"] == "as before", "the previous answer comes back"
    assert "default" not in schema["properties"]["code"], "the code is never filled in for the owner"


def test_the_inbox_files_are_a_choice_list_and_without_an_inbox_the_form_says_so() -> None:
    schema = form_model(owner_task("evidence", inbox_files=("a.pdf", "b b.csv"))).model_json_schema()
    assert schema["properties"]["files"]["items"] == {"type": "string", "enum": ["a.pdf", "b b.csv"]}
    bare = form_model(owner_task("evidence"))
    assert "files" not in bare.model_fields
    assert "no evidence inbox" in owner_task("evidence").spec.description
    assert "path" not in owner_task("evidence").spec.description
