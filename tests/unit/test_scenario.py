"""Scenario files: the built-in one is read from the package, and a wrong step is refused by number and field."""

from __future__ import annotations

from datetime import date

import pytest

from aimsflow.errors import InvalidInput
from aimsflow.scenario import STEPS, load_scenario, parse_scenario, split_date_expression

HEAD = """
program: {name: Kopi Analytics, scope: credit scoring, start: 2027-02-01}
people: [{name: Lee Ann, roles: [program-manager]}]
systems: [{name: credit-score, purpose: scores loans, status: deployed, risk_level: high, owner: Lee Ann}]
steps:
"""


def steps(*lines: str) -> str:
    return HEAD + "".join(f"  - {line}\n" for line in lines)


def refusal(text: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        parse_scenario(text, "client.yaml")
    return str(caught.value)


def test_the_built_in_scenario_is_package_data_and_uses_every_step_kind() -> None:
    built_in = load_scenario()
    assert built_in.program["name"] == "Merlion Insurance" and built_in.program["start"] == date(2027, 1, 4)
    assert len(built_in.people) == 9 and len(built_in.systems) == 12
    assert {s.kind for s in built_in.steps} == set(STEPS)
    assert [s.number for s in built_in.steps] == list(range(1, len(built_in.steps) + 1))


def test_a_scalar_sets_a_steps_first_field_and_a_bare_word_is_a_step_without_fields() -> None:
    parsed = parse_scenario(steps("advance: 1m10d", "complete_work", "clock: 2027-03-01"), "client.yaml")
    assert [(s.kind, s.fields) for s in parsed.steps] == [
        ("advance", {"by": "1m10d"}), ("complete_work", {}), ("clock", {"to": date(2027, 3, 1)})]


@pytest.mark.parametrize(("line", "message"), [
    ("audit: {name: s1, date: today, auditors: [X]}", "step 2 (audit): field 'kind' is missing"),
    ("audit: {name: s1, kind: stage1, on: today, auditors: [X]}", "step 2 (audit): unknown field 'True'"),
    ("advance: soon", "step 2 (advance): field 'by': 'soon' is not a duration"),
    ("clock: stage9 + 1d", "step 2 (clock): field 'to': 'stage9' is not today, a date"),
    ("close_audit: s1", "step 2 (close_audit): field 'audit': no earlier step names audit 's1'"),
    ("risk_criteria: {threshold: high}", "step 2 (risk_criteria): field 'threshold': expected an int"),
    ("certify_now", "step 2: unknown step 'certify_now'"),
    ("{advance: 1d, clock: today}", "step 2: expected one step kind"),
    ("audit: {name: stage-1, kind: stage1, date: today, auditors: [X]}", "field 'name': 'stage-1' must be a word"),
    ("audit: {name: expiry, kind: stage1, date: today, auditors: [X]}", "field 'name': 'expiry' is taken"),
])
def test_a_wrong_step_is_refused_naming_its_number_kind_and_field(line: str, message: str) -> None:
    text = refusal(steps("advance: 1d", line))
    assert text.startswith("scenario client.yaml: ") and message in text, text


@pytest.mark.parametrize(("text", "message"), [
    ("program: [", "not valid YAML"),
    ("- a list", "expected a mapping with program"),
    (HEAD.replace("start: 2027-02-01", "start: soon") + "  - complete_work\n", "field 'start' must be a date"),
    (HEAD + "  - complete_work\nchapters: []\n", "unknown section(s) chapters"),
    (HEAD.replace("owner: Lee Ann", "lead: Lee Ann") + "  - complete_work\n", "systems 1: field 'owner' is missing"),
    (HEAD, "'steps' must be a non-empty list"),
])
def test_a_broken_file_is_refused_naming_the_section(text: str, message: str) -> None:
    assert message in refusal(text)


def test_a_date_expression_is_an_anchor_and_signed_durations() -> None:
    assert split_date_expression("surveillance_1_due - 1m - 7d") == ("surveillance_1_due", [(-1, "1m"), (-1, "7d")])
    assert split_date_expression("2027-01-04 + 5m14d") == (date(2027, 1, 4), [(1, "5m14d")])
    assert split_date_expression(date(2027, 1, 4)) == (date(2027, 1, 4), [])
    with pytest.raises(InvalidInput):
        split_date_expression("today plus a week")
