"""`--help` explains: every command has a summary and every argument and option says what it takes."""

from __future__ import annotations

from collections.abc import Iterator

import typer
from click import Command

import aimsflow.cli  # noqa: F401  (registers every command on the app)
from aimsflow.cli.app import app


def commands(command: Command, path: tuple[str, ...] = ("aimsflow",)) -> Iterator[tuple[str, Command]]:
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in subcommands.items():
            yield from commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def test_every_command_has_a_summary_and_every_parameter_a_help_text() -> None:
    root = typer.main.get_command(app)
    found = list(commands(root))
    assert len(found) > 40
    undocumented = [f"{name}: {p.name}" for name, command in found for p in command.params
                    if p.name != "help" and not getattr(p, "help", None)]
    assert undocumented == []
    assert [name for name, command in found if not (command.help or "").strip()] == []


# Commands that take no --json, each with its reason. The issue says every command: none is excused.
WITHOUT_JSON: dict[str, str] = {}


def test_every_command_takes_json_so_a_script_reads_its_output_and_its_refusal() -> None:
    root = typer.main.get_command(app)
    found = list(commands(root))
    without = sorted(name for name, command in found
                     if not any("--json" in getattr(p, "opts", ()) for p in command.params))
    assert without == sorted(WITHOUT_JSON), "a command without --json (or an excuse that no longer applies)"
    assert all(reason.strip() for reason in WITHOUT_JSON.values())


def test_the_json_option_is_read_before_any_other_option_so_a_refusal_of_one_is_json_too() -> None:
    root = typer.main.get_command(app)
    lazy = [name for name, command in commands(root) for p in command.params
            if "--json" in getattr(p, "opts", ()) and not p.is_eager]
    assert lazy == []
