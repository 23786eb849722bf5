"""The management review's preparation as a task."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.services import review_cycle
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work


@task(name="open-management-review", cache_policy=NO_CACHE)
def open_management_review(program: str, force: bool = False) -> dict[str, Any]:
    """Assemble inputs (a)-(e) and open the review's work items (yearly, or now when forced)."""
    with unit_of_work() as uow:
        return review_cycle.open_management_review(uow, get_program(uow.session, program), force=force)
