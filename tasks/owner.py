"""Tasks of the owner-task flow: describe the item's form, and submit what its owner typed."""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from aimsflow import evidence_inbox
from aimsflow.errors import AimsflowError
from aimsflow.forms import refusal
from aimsflow.services import owner_tasks
from aimsflow.services.owner_tasks import OwnerTask
from aimsflow.uow import unit_of_work

__all__ = ["OwnerTask", "describe_owner_task", "submit_owner_form"]


@task(name="describe-owner-task", cache_policy=NO_CACHE)
def describe_owner_task(item: str, problem: str | None = None) -> OwnerTask:
    """The item's form (with the reason of a refused submission at the top) and its state; a read."""
    with unit_of_work() as uow:
        return owner_tasks.describe_owner_task(uow, item, problem)


@task(name="submit-owner-form", cache_policy=NO_CACHE)
def submit_owner_form(item: str, submitted: dict[str, Any]) -> dict[str, Any]:
    """Complete the item from its form in one transaction; a refusal is returned (nothing was written).

    After the commit the inbox files it took are moved into the inbox's .claimed folder, so no form offers them again.
    """
    try:
        with unit_of_work() as uow:
            outcome = owner_tasks.submit_owner_form(uow, item, **submitted)
    except AimsflowError as exc:
        return {"outcome": "refused", "problem": refusal(exc), "error": type(exc).__name__}
    for name in outcome.get("inbox_files", []):
        if not evidence_inbox.claim(name):
            get_run_logger().warning("%s: stored as evidence, but could not be moved out of the evidence inbox; "
                                     "move it yourself so that it is not offered again", name)
    return outcome
