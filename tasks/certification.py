"""Tasks of the certification cycle: apply its dates, and open the next audit's preparation."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.services import certification, cycle_preparation
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work


@task(name="check-cycle", cache_policy=NO_CACHE)
def check_cycle(program: str) -> list[str]:
    """Lapse an expired certificate, suspend on a missed surveillance, demand a new Stage 2."""
    with unit_of_work() as uow:
        return certification.check_cycle(uow, get_program(uow.session, program))


@task(name="open-cycle-preparation", cache_policy=NO_CACHE)
def open_cycle_preparation(program: str) -> dict[str, Any]:
    """The cycle's dates, and the next audit's preparation work once it is within the lead time."""
    with unit_of_work() as uow:
        return cycle_preparation.open_cycle_preparation(uow, get_program(uow.session, program))
