"""Tasks over work items and their owner-task runs."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.services import owner_runs_setting, work
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work


@task(name="items-awaiting-owner-run", cache_policy=NO_CACHE)
def items_awaiting_owner_run(program: str, phase: str | None = None) -> list[str]:
    """Active, assigned items with no owner-task run yet."""
    with unit_of_work() as uow:
        return work.items_awaiting_owner_run(uow, get_program(uow.session, program), phase=phase)


@task(name="owner-run-names", cache_policy=NO_CACHE)
def owner_run_names(items: list[str]) -> dict[str, tuple[str, list[str]]]:
    """The run name and tags of each item's owner-task run (one read for the batch)."""
    with unit_of_work() as uow:
        return {item: work.owner_run_name(uow, item) for item in items}


@task(name="record-owner-runs", cache_policy=NO_CACHE)
def record_owner_runs(runs: dict[str, str]) -> list[str]:
    """Remember each item's owner-task run id; returns the items another run was recorded for first."""
    with unit_of_work() as uow:
        return [item for item, run_id in runs.items() if not work.record_owner_run(uow, item, run_id)]


@task(name="mark-owner-runs", cache_policy=NO_CACHE)
def mark_owner_runs(program: str) -> bool:
    """Record that the program's work runs in the Prefect UI: its assignments then wait for their runs."""
    with unit_of_work() as uow:
        return owner_runs_setting.mark_owner_runs(uow, get_program(uow.session, program))
