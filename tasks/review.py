"""Tasks of the review-task flow: describe the reviewer's form, and submit their decision."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.errors import AimsflowError
from aimsflow.forms import REVIEW_FIELD_LABELS, refusal
from aimsflow.services import review_tasks
from aimsflow.services.review_tasks import ReviewTask
from aimsflow.uow import unit_of_work

__all__ = ["ReviewTask", "describe_review_task", "submit_review_form"]


@task(name="describe-review-task", cache_policy=NO_CACHE)
def describe_review_task(item: str, problem: str | None = None) -> ReviewTask:
    """The reviewer's form (with the reason of a refused decision at the top) and the item's state; a read."""
    with unit_of_work() as uow:
        return review_tasks.describe_review_task(uow, item, problem)


@task(name="submit-review-form", cache_policy=NO_CACHE)
def submit_review_form(item: str, submitted: dict[str, Any]) -> dict[str, Any]:
    """Accept or reject the item from its reviewer's form in one transaction; a refusal is returned."""
    try:
        with unit_of_work() as uow:
            return review_tasks.submit_review_form(uow, item, **submitted)
    except AimsflowError as exc:
        return {"outcome": "refused", "problem": refusal(exc, REVIEW_FIELD_LABELS), "error": type(exc).__name__}
