"""The deadline sweep of one program as a task."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.services import deadlines
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work


@task(name="sweep-deadlines", cache_policy=NO_CACHE)
def sweep_deadlines(program: str) -> dict[str, Any]:
    """Reminders, overdue marks and escalations of one program (notices go to the outbox)."""
    with unit_of_work() as uow:
        return deadlines.sweep_deadlines(uow, get_program(uow.session, program)).as_dict()
