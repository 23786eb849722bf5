"""A refusal for a script: the same words as the one-line error, as one JSON object with its parts apart."""

from __future__ import annotations

from aimsflow.cli.messages import refusal, render
from aimsflow.errors import InvalidInput, NotFound, Refused


def test_a_refused_gate_names_every_missing_item_and_the_exit_code_of_a_refusal() -> None:
    error = Refused("acme: the gate is not met", missing=["clause 4.1: not assessed", "roadmap: not approved"],
                    state="gap_analysis")
    argv = ["phase", "advance", "acme", "--json"]
    assert refusal(error, argv) == {"error": render(error, argv), "missing": ["clause 4.1: not assessed",
                                                                             "roadmap: not approved"],
                                    "exit": 4, "state": "gap_analysis"}


def test_an_unknown_person_names_the_flag_as_the_command_calls_it_and_the_name_given() -> None:
    error = NotFound("'Nobody' is not a person of program acme", field="by", hint="add_person", program="acme",
                     record="Nobody")
    shown = refusal(error, ["work", "complete", "WI-3", "--by", "Nobody", "--json"])
    assert shown["error"] == "--by: 'Nobody' is not a person of program acme (add with: aimsflow people add)"
    assert (shown["field"], shown["record"], shown["exit"], shown["missing"]) == ("--by", "Nobody", 3, [])


def test_an_argument_is_named_as_the_command_writes_it_and_an_error_without_context_has_no_extra_keys() -> None:
    assert refusal(InvalidInput("not a date", field="date"), ["clock", "set", "x"])["field"] == "DATE"
    assert set(refusal(InvalidInput("bad"), [])) == {"error", "missing", "exit"}
