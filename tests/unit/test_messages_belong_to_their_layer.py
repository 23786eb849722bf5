"""Services and rules name the rule and the record; flags and commands belong to the CLI, labels to the form.

Read with `ast`: every string a service or rule module holds (docstrings aside: they document, they
are not shown) must not carry a command-line flag (`--by`) or an `aimsflow <command>` text. The
field an error is about and the next step it suggests travel as `field` and `hint`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest

from aimsflow.cli.messages import FIELDS, HINTS, command_of, flag, render
from aimsflow.errors import AimsflowError, Hint, InvalidInput, NotFound, Refused, as_field
from aimsflow.forms import FIELD_LABELS, HINT_WORDS, refusal

REPO_ROOT = Path(__file__).resolve().parents[2]
# The evidence store's refusals reach the owner's form (a hash given in it) as well as the command line.
CHECKED = ("aimsflow/services", "aimsflow/rules", "aimsflow/evidence_store.py")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]*")
COMMAND = re.compile(r"\baimsflow [a-z]")
ARGUMENT = re.compile(r"^[A-Z][A-Z_]+: ")  # a message that opens with a command's argument ("KIND: ...")
# Phrases that name aimsflow's own things, not a command to type.
ALLOWED = ("an aimsflow program export",)

def strings(tree: ast.Module) -> Iterator[tuple[str | None, ast.Constant]]:
    """(enclosing top-level function or None, string) for every string but a docstring."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    for top in tree.body:
        function = top.name if isinstance(top, ast.FunctionDef | ast.AsyncFunctionDef) else None
        for node in ast.walk(top):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                yield function, node


def command_line_words(source: str) -> list[tuple[str | None, int, str]]:
    """(function, line, text) of each string in `source` that holds a CLI flag or an aimsflow command."""
    found = []
    for function, node in strings(ast.parse(source)):
        text = str(node.value)
        for phrase in ALLOWED:
            text = text.replace(phrase, "")
        if FLAG.search(text) or COMMAND.search(text) or ARGUMENT.search(text):
            found.append((function, node.lineno, str(node.value)))
    return found


def checked_modules() -> list[Path]:
    paths = [REPO_ROOT / c for c in CHECKED]
    return sorted({p for path in paths for p in ([path] if path.is_file() else path.rglob("*.py"))})


def test_no_service_or_rule_message_carries_a_command_line_flag_or_command() -> None:
    offenders = []
    for path in checked_modules():
        rel = path.relative_to(REPO_ROOT).as_posix()
        for function, line, text in command_line_words(path.read_text(encoding="utf-8")):
            offenders.append(f"{rel}:{line} ({function or 'module'}): {text!r}")
    assert not offenders, ("services and rules name the rule and the record; give the field (field=...) and the "
                           "next step (hint=...) instead:\n" + "\n".join(offenders))


@pytest.mark.parametrize("source", [
    'raise InvalidInput("--reason: say why the work is rejected")',
    'def f():\n    raise NotFound(f"{name} is not a person (add with: aimsflow people add)")',
    'x = "give --evidence FILE"',
    'raise InvalidInput(f"TRIGGER: \'{trigger}\' is not one of {TRIGGERS}")',
])
def test_the_check_finds_a_flag_or_a_command_in_a_message(source: str) -> None:
    assert command_line_words(source)


@pytest.mark.parametrize("source", [
    '"""Run it with `aimsflow work list --json`."""',
    'def f():\n    """The owner runs --help."""\n    return "a dash-separated word and 2025-01-01--2025-02-01"',
    'raise InvalidInput("not an aimsflow program export (expected format 1)")',
    'raise Refused(f"WI-{item.id}: NC-3 is open")',
])
def test_the_check_leaves_docstrings_and_plain_text_alone(source: str) -> None:
    assert command_line_words(source) == []


# --- the two renderings of one error --------------------------------------------------------------


def test_the_cli_shows_a_field_as_its_flag_and_a_hint_as_the_command() -> None:
    exc = NotFound("'Ada' is not a person of program p", field="by", hint="add_person", program="p", record="Ada")
    assert render(exc, ["work", "complete", "WI-3"]) == (
        "--by: 'Ada' is not a person of program p (add with: aimsflow people add)")


def test_the_form_shows_a_field_as_its_label_and_a_hint_in_words() -> None:
    exc = InvalidInput("WI-3 is a record: attach the record or describe it in the note", field="note")
    assert refusal(exc) == "**Note**: WI-3 is a record: attach the record or describe it in the note"
    hinted = refusal(NotFound("'Ada' is not a person of program p", field="by", hint="add_person"))
    assert hinted.startswith("by: 'Ada'") and "aimsflow" not in hinted and "--" not in hinted


def test_the_form_words_a_flag_left_in_a_message_as_its_field() -> None:
    exc = InvalidInput("WI-3 is a record: attach the record with --evidence FILE or describe it with --note")
    assert refusal(exc) == ("WI-3 is a record: attach the record with evidence links or hashes or describe it "
                            "with note")


def test_a_fields_flag_is_its_name_with_dashes_unless_the_command_calls_it_otherwise() -> None:
    assert flag("decision_date") == "--decision-date"
    assert flag("action_owner") == "--action owner"
    assert flag("date", "clock set") == "DATE"
    assert flag("date", "review hold") == "--date"
    assert flag("name", "people role") == "NAME"
    assert command_of(["clock", "set", "2026-01-01", "--no-checks"]) == "clock set"
    assert command_of(["status", "--json"]) == "status"


def test_a_field_given_in_the_command_lines_words_is_read_as_its_name() -> None:
    assert [as_field(w) for w in ("--decision-date", "DATE", "decision date", "by")] == [
        "decision_date", "date", "decision_date", "by"]


def test_the_plain_rendering_names_the_field_in_words() -> None:
    assert str(InvalidInput("'x' is not a date", field="decision_date")) == "decision date: 'x' is not a date"
    assert str(Refused("the gate is not met", missing=["a"], state="open")) == "the gate is not met"


def test_every_hint_is_worded_by_the_cli_and_by_the_form() -> None:
    assert set(HINTS) == set(get_args(Hint)) == set(HINT_WORDS)
    assert not any(FLAG.search(w) or COMMAND.search(w) for w in HINT_WORDS.values())


def test_every_override_names_a_flag_or_an_argument() -> None:
    assert all(v.startswith("--") or v.isupper() for v in FIELDS.values())
    assert all(v and v[0].isupper() and "--" not in v for v in FIELD_LABELS.values())


def test_an_error_keeps_its_context() -> None:
    exc = Refused("x", missing=["m"], state="open", field="by", hint="add_person", program="p", record="r")
    assert (exc.message, exc.field, exc.hint, exc.program, exc.record, exc.missing, exc.state) == (
        "x", "by", "add_person", "p", "r", ["m"], "open")
    assert isinstance(exc, AimsflowError) and exc.exit_code == 4


def test_the_check_reads_every_folder_and_module_it_names() -> None:
    found = checked_modules()
    for name in CHECKED:
        path = REPO_ROOT / name
        assert any(p == path or path in p.parents for p in found), f"{name} holds no module the check reads"
