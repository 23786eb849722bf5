"""The owner form's labels and the words a refusal uses for its fields are the same words."""

from __future__ import annotations

import pytest

from aimsflow.forms import FIELD_LABELS, form_spec
from flows.owner_task import form_model
from tasks.owner import OwnerTask


@pytest.mark.parametrize("kind", ["clause_assessment", "approval", "evidence", "record"])
def test_a_refusal_names_each_field_by_the_title_the_form_shows(kind: str) -> None:
    spec = form_spec(item_id="WI-1", kind=kind, title="t", subject="4.1", phase="gap_analysis", due="2026-01-01",
                     assignee="Ada", program="p")
    task = OwnerTask(item="WI-1", program="p", state="open", active=True, assignee="Ada", spec=spec,
                     loop_step="verify", nonconformity="NC-1")
    titles = {name: field.title for name, field in form_model(task).model_fields.items() if field.title}
    assert titles, "the form has titled fields"
    assert {name: FIELD_LABELS[name] for name in titles} == titles
