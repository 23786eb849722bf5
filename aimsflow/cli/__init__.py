"""The `aimsflow` command line: a program manager's way to drive a journey."""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Any, NoReturn

import typer

# Importing the command modules registers their commands on `app`. They import typer only: each
# command imports its services when it runs (aimsflow/cli/app.py says why).
from aimsflow.cli import (  # noqa: F401
    audits,
    collectors,
    demo,
    evidence,
    incidents,
    journey,
    programs,
    reports,
    runs,
    system,
)
from aimsflow.cli.app import INVOCATION, app
from aimsflow.errors import AimsflowError
from aimsflow.limits import FIELD_MAX

__all__ = ["app", "main"]

ARGUMENT_MAX = FIELD_MAX  # the longest free text; a name's own limit is shorter


def main() -> None:
    """Run the CLI: an AimsflowError becomes one line on stderr and its exit code, never a traceback.

    With --json the line is one JSON object instead (`{"error": ..., "missing": [...], "exit": N}`,
    aimsflow/cli/messages.py `refusal`), and the process exits with the same N. Typer (in standalone
    mode) reports usage errors itself and exits; everything else that escapes a command arrives here.
    """
    INVOCATION.json = False  # set again by the --json option's callback while this command line is parsed
    for arg in sys.argv[1:]:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            _fail(f"argument {_one_line(arg.encode('utf-8', 'backslashreplace').decode())} is not valid UTF-8 text",
                  2)
        if len(arg) > ARGUMENT_MAX:  # every text a command takes, bounded before any of it is stored or echoed
            _fail(f"argument {_one_line(arg[:60])}… ({len(arg)} characters) is over the limit of {ARGUMENT_MAX} "
                  "characters", 2)
    try:
        # Not standalone: usage errors come back here so they too are one line (click would print
        # its usage block and a box). typer.Exit comes back as a return code.
        code = app(prog_name="aimsflow", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except AimsflowError as exc:
        _refuse(exc)
    except KeyboardInterrupt:
        _fail("nothing was saved", 130, label="interrupted")
    except Exception as exc:
        if _is_usage_error(exc):
            _usage_error(exc)
        from aimsflow.cli.app import known_failure  # the database locked, gone or not one: not a bug

        known = known_failure(exc)
        if known is not None:
            _refuse(known)
        # a bug: say so in one line; the traceback only on request
        if os.environ.get("AIMSFLOW_DEBUG"):
            traceback.print_exc()
        _fail(f"{type(exc).__name__}: {_one_line(str(exc))} (nothing was saved; set AIMSFLOW_DEBUG=1 for the "
              "traceback and report it)", 70, label="internal error")


def _refuse(exc: AimsflowError) -> NoReturn:
    """An AimsflowError as one line on stderr (a JSON object with --json) and its exit code."""
    from aimsflow.cli.messages import refusal, render  # the field as this command's flag, the hint as a command

    if _wants_json():
        _echo_json(refusal(exc, sys.argv[1:]))
    else:
        typer.echo(f"error: {_one_line(render(exc, sys.argv[1:]))}", err=True)
    sys.exit(exc.exit_code)


def _wants_json() -> bool:
    """Whether this command line asked for JSON: its --json option was parsed, or (when the command line
    could not be parsed as far as that) it is among the words before `--`."""
    args = sys.argv[1:]
    return INVOCATION.json or "--json" in (args[:args.index("--")] if "--" in args else args)


def _echo_json(data: dict[str, Any]) -> None:
    # ASCII escapes: one physical line whatever a name holds (U+2028 splits lines for some readers).
    typer.echo(json.dumps(data, ensure_ascii=True, default=str), err=True)


def _fail(text: str, code: int, label: str = "error") -> NoReturn:
    """Say why nothing happened, in one line (a JSON object with --json), and exit with `code`."""
    if _wants_json():
        _echo_json({"error": text if label == "error" else f"{label}: {text}", "missing": [], "exit": code})
    else:
        typer.echo(f"{label}: {text}", err=True)
    sys.exit(code)


LINE_MAX = 4000  # an error line, whatever it lists or echoes


def _one_line(text: str) -> str:
    """Control characters escaped: an error is one line whatever a value held (no forged log lines)."""
    line = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)
    return line if len(line) <= LINE_MAX else f"{line[:LINE_MAX]}… ({len(line)} characters)"


def _is_usage_error(exc: BaseException) -> bool:
    # Typer vendors click, so its exception classes are private: recognise them by what they offer.
    return hasattr(exc, "format_message") and hasattr(exc, "exit_code")


def _usage_error(exc: Exception) -> None:
    name = type(exc).__name__
    if name == "NoArgsIsHelpError":  # `aimsflow` or `aimsflow work` alone: show the help
        getattr(exc, "show")()  # noqa: B009
        sys.exit(0)
    if name == "Abort":
        _fail("nothing was saved", 130, label="aborted")
    ctx = getattr(exc, "ctx", None)
    where = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
    message = _one_line(" ".join(str(getattr(exc, "format_message")()).split()))  # noqa: B009
    _fail(f"{message}{where}", int(getattr(exc, "exit_code", 2)) or 2)
