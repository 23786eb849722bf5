"""The `aimsflow` command line: a program manager's way to drive a journey."""

from __future__ import annotations

import os
import sys
import traceback
from typing import NoReturn

import typer

# Importing the command modules registers their commands on `app`. They import typer only: each
# command imports its services when it runs (aimsflow/cli/app.py says why).
from aimsflow.cli import (  # noqa: F401
    audits,
    collectors,
    demo,
    evidence,
    journey,
    programs,
    reports,
    runs,
    system,
)
from aimsflow.cli.app import app
from aimsflow.errors import AimsflowError
from aimsflow.limits import FIELD_MAX

__all__ = ["app", "main"]

ARGUMENT_MAX = FIELD_MAX  # the longest free text; a name's own limit is shorter


def main() -> None:
    """Run the CLI: an AimsflowError becomes one line on stderr and its exit code, never a traceback.

    Typer (in standalone mode) reports usage errors itself and exits; everything else that
    escapes a command arrives here.
    """
    for arg in sys.argv[1:]:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            typer.echo(f"error: argument {_one_line(arg.encode('utf-8', 'backslashreplace').decode())} is not "
                       "valid UTF-8 text", err=True)
            sys.exit(2)
        if len(arg) > ARGUMENT_MAX:  # every text a command takes, bounded before any of it is stored or echoed
            typer.echo(f"error: argument {_one_line(arg[:60])}… ({len(arg)} characters) is over the limit of "
                       f"{ARGUMENT_MAX} characters", err=True)
            sys.exit(2)
    try:
        # Not standalone: usage errors come back here so they too are one line (click would print
        # its usage block and a box). typer.Exit comes back as a return code.
        code = app(prog_name="aimsflow", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except AimsflowError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing was saved", err=True)
        sys.exit(130)
    except Exception as exc:
        if _is_usage_error(exc):
            _usage_error(exc)
        from aimsflow.cli.app import known_failure  # the database locked, gone or not one: not a bug

        known = known_failure(exc)
        if known is not None:
            _fail(known)
        # a bug: say so in one line; the traceback only on request
        if os.environ.get("AIMSFLOW_DEBUG"):
            traceback.print_exc()
        typer.echo(f"internal error: {type(exc).__name__}: {_one_line(str(exc))} (nothing was saved; set "
                   "AIMSFLOW_DEBUG=1 for the traceback and report it)", err=True)
        sys.exit(70)


def _fail(exc: AimsflowError) -> NoReturn:
    """An AimsflowError as one line on stderr and its exit code."""
    from aimsflow.cli.messages import render  # the field as this command's flag, the hint as a command

    typer.echo(f"error: {_one_line(render(exc, sys.argv[1:]))}", err=True)
    sys.exit(exc.exit_code)


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
        typer.echo("aborted: nothing was saved", err=True)
        sys.exit(130)
    ctx = getattr(exc, "ctx", None)
    where = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
    message = _one_line(" ".join(str(getattr(exc, "format_message")()).split()))  # noqa: B009
    typer.echo(f"error: {message}{where}", err=True)
    sys.exit(int(getattr(exc, "exit_code", 2)) or 2)
