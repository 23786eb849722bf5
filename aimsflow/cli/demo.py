"""The demo: one sample organization through a whole journey on the simulated clock."""

from __future__ import annotations

import typer

from aimsflow.cli.app import app


@app.command()
def demo() -> None:
    """Drive a sample organization from creation to its first recertification (simulated clock)."""
    from aimsflow.demo import run_demo

    run_demo(echo=typer.echo)
