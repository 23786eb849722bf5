"""The daily checks of one program as a task: every scheduled check flow runs its steps through it."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.errors import Conflict
from aimsflow.services import daily_check
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work

CONFLICT_ATTEMPTS = 5


def _once(program: str, checks: list[str], force_review: bool) -> dict[str, Any]:
    with unit_of_work() as uow:
        return daily_check.run_daily_checks(uow, get_program(uow.session, program),
                                            checks=daily_check.parse_checks(checks),
                                            force_review=force_review).as_dict()


@task(name="daily-checks", cache_policy=NO_CACHE)
def run_daily_checks(program: str, checks: list[str], force_review: bool = False) -> dict[str, Any]:
    """Run the named daily checks of one program (services.daily_check), in their fixed order.

    Two runs on one program at once (on two workers, or a scheduled run beside a manual one):
    the transaction that commits second gets a Conflict and nothing of it is saved; it runs
    again on what the first one wrote, finds that work already done, and the run goes on
    instead of failing.
    """
    for _ in range(CONFLICT_ATTEMPTS - 1):
        try:
            return _once(program, checks, force_review)
        except Conflict:
            continue
    return _once(program, checks, force_review)
