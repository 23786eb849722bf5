"""The corrective-action loop's work as a task."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.services import nonconformity_work
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work


@task(name="open-loop-work", cache_policy=NO_CACHE)
def open_loop_work(program: str, nonconformity: str | None = None) -> dict[str, Any]:
    """Open the current step's work of one or every open nonconformity; cancel passed steps' items."""
    with unit_of_work() as uow:
        return nonconformity_work.open_loop_work(uow, get_program(uow.session, program), nc_ref=nonconformity)
