"""The `aimsflow` command line: a program manager's way to drive a journey."""

from __future__ import annotations

import os
import sys
import traceback

import typer

# Importing the command modules registers their commands on `app`.
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

__all__ = ["app", "main"]


def main() -> None:
    """Run the CLI: an AimsflowError becomes one line on stderr and its exit code, never a traceback.

    Typer (in standalone mode) reports usage errors itself and exits; everything else that
    escapes a command arrives here.
    """
    try:
        app(prog_name="aimsflow")
    except AimsflowError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing was saved", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: say so in one line; the traceback only on request
        if os.environ.get("AIMSFLOW_DEBUG"):
            traceback.print_exc()
        typer.echo(f"internal error: {type(exc).__name__}: {exc} (nothing was saved; set AIMSFLOW_DEBUG=1 "
                   "for the traceback and report it)", err=True)
        sys.exit(70)
