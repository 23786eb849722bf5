"""Tasks that read programs: which exist, and where one stands."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.services import programs, status
from aimsflow.services.lookup import get_program
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
