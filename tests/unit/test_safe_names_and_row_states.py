"""Names that become file names, and rows bound to the trail: pure rules, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aimsflow.errors import InvalidInput
from aimsflow.row_states import IMPORT_TRIGGER, RENUMBERED, last_moves, row_problems
from aimsflow.safe_names import MAX_LENGTH, name_problem, safe_file_name


@pytest.mark.parametrize("name", ["../x", "../../x", "/abs/path", "a/b", "a\\b", "..", ".", ".hidden", "x\x00y",
                                  "x\ny", "x\u202ey", " x", "x ", "", "a" * (MAX_LENGTH + 1), "c:x"])
def test_a_name_that_could_leave_its_folder_is_refused_not_rewritten(name: str) -> None:
    assert name_problem(name) is not None
    with pytest.raises(InvalidInput, match="it becomes a file name"):
        safe_file_name(name, "collector name")


@given(st.text(st.characters(categories=["L", "N"], include_characters="-_ "), min_size=1, max_size=MAX_LENGTH)
       .filter(lambda s: s == s.strip()))
def test_a_plain_name_is_kept_as_it_is(name: str) -> None:
    assert safe_file_name(name) == name


@dataclass
class E:
    seq: int
    lifecycle: str
    row_ref: str
    to_state: str | None
    trigger: str = "move"
    payload: dict[str, Any] = field(default_factory=dict)


def test_a_row_whose_state_is_not_its_last_event_is_named() -> None:
    moves = last_moves([E(1, "work_item", "WI-1", "open"), E(2, "work_item", "WI-1", "submitted"),
                        E(3, "work_item", "WI-1", None, "remind")])
    rows = {"work_item": [{"id": 1, "state": "accepted"}]}
    [problem] = row_problems(moves, rows)
    assert str(problem).startswith("work_item WI-1: its state is 'accepted'") and "#2" in str(problem)
    assert row_problems(moves, {"work_item": [{"id": 1, "state": "submitted"}]}) == []


def test_a_row_no_event_made_is_named() -> None:
    [problem] = row_problems({}, {"evidence": [{"id": 7, "state": "accepted"}]})
    assert "EV-7" in str(problem) and "added behind the trail's back" in str(problem)


def test_an_import_that_renumbered_rows_is_followed() -> None:
    events = [E(1, "work_item", "WI-1", "open"), E(2, "work_item", "WI-2", "accepted"),
              E(3, "program", "program", None, IMPORT_TRIGGER, {RENUMBERED: {"WI-1": "WI-2", "WI-2": "WI-9"}}),
              E(4, "work_item", "WI-2", "submitted")]
    rows = {"work_item": [{"id": 2, "state": "submitted"}, {"id": 9, "state": "accepted"}]}
    assert row_problems(last_moves(events), rows) == []
