"""The deadline sweep of one program as a task."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.errors import Conflict
from aimsflow.services import deadlines
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work

CONFLICT_ATTEMPTS = 5


@task(name="sweep-deadlines", cache_policy=NO_CACHE)
def sweep_deadlines(program: str) -> dict[str, Any]:
    """Reminders, overdue marks and escalations of one program (notices go to the outbox).

    Two sweeps of one program at once (on two workers, or a scheduled run beside a manual one):
    the transaction that commits second gets a Conflict and nothing of it is saved; it sweeps
    again on what the first one wrote, finds those reminders already sent, and the run goes on
    instead of failing.
    """
    for _ in range(CONFLICT_ATTEMPTS - 1):
        try:
            with unit_of_work() as uow:
                return deadlines.sweep_deadlines(uow, get_program(uow.session, program)).as_dict()
        except Conflict:
            continue
    with unit_of_work() as uow:
        return deadlines.sweep_deadlines(uow, get_program(uow.session, program)).as_dict()
