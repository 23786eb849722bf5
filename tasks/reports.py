"""Reports as tasks: one report of one program, compiled in one unit of work and rendered to Markdown."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.reports import KINDS, compile_report, render_report
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work


@task(name="render-report", cache_policy=NO_CACHE)
def render_markdown(program: str, kind: str) -> str:
    """The Markdown of one report (the same text `aimsflow report KIND PROGRAM --format md` prints)."""
    with unit_of_work() as uow:
        data = compile_report(uow, get_program(uow.session, program), kind)
    return render_report(kind, data, "md")


def program_report_kinds() -> list[str]:
    """Every report kind that covers a whole program (impact assessments are per system)."""
    return [name for name, spec in KINDS.items() if not spec.per_system]
