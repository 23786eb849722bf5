"""Tasks that read programs: which exist, and where one stands."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.errors import AimsflowError
from aimsflow.services import programs, progress, status
from aimsflow.services.lookup import get_program, resolve_program
from aimsflow.uow import unit_of_work


@task(name="list-programs", cache_policy=NO_CACHE)
def program_keys() -> list[str]:
    """The keys of every program."""
    with unit_of_work() as uow:
        return [p["key"] for p in programs.list_programs(uow)]


@task(name="program-status", cache_policy=NO_CACHE)
def program_status(program: str) -> dict[str, Any]:
    """Where a program stands: state, gate and what it lacks, late work."""
    with unit_of_work() as uow:
        return status.program_status(uow, get_program(uow.session, program))


@task(name="program-progress", cache_policy=NO_CACHE)
def program_progress(program: str) -> dict[str, Any]:
    """The program manager's view: phase, gate, work by state and owner, late and escalated items, next audit."""
    with unit_of_work() as uow:
        return progress.program_progress(uow, get_program(uow.session, program))


@task(name="find-program", cache_policy=NO_CACHE)
def find_program(key_or_name: str) -> dict[str, str]:
    """{"key": ...} for a program's key or display name, or {"refused": one line listing the known programs}.

    A refusal is returned, not raised: the flow ends Failed with that one line instead of a traceback.
    """
    with unit_of_work() as uow:
        try:
            return {"key": resolve_program(uow.session, key_or_name).key}
        except AimsflowError as exc:
            return {"refused": str(exc)}
