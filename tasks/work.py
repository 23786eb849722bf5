"""Tasks over work items and their owner-task runs."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.services import item_runs, owner_runs_setting, work
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


@task(name="run-generations", cache_policy=NO_CACHE)
def run_generations(program: str, items: list[str]) -> dict[str, int]:
    """Part of each item's next run's creation key (see aimsflow.services.item_runs.run_generations)."""
    with unit_of_work() as uow:
        return item_runs.run_generations(uow, get_program(uow.session, program), items)


@task(name="items-awaiting-review-run", cache_policy=NO_CACHE)
def items_awaiting_review_run(program: str) -> list[str]:
    """Submitted items with a reviewer and no review run yet."""
    with unit_of_work() as uow:
        return item_runs.items_awaiting_review_run(uow, get_program(uow.session, program))


@task(name="review-run-names", cache_policy=NO_CACHE)
def review_run_names(items: list[str]) -> dict[str, tuple[str, list[str]]]:
    """The run name and tags of each item's review run."""
    with unit_of_work() as uow:
        return {item: item_runs.review_run_name(uow, item) for item in items}


@task(name="record-review-runs", cache_policy=NO_CACHE)
def record_review_runs(runs: dict[str, tuple[str, str]]) -> list[str]:
    """Remember each item's review run (item -> (run id, run name)) and mail its reviewer; the items lost."""
    with unit_of_work() as uow:
        return [item for item, (run_id, name) in runs.items()
                if not item_runs.record_review_run(uow, item, run_id, name)]


@task(name="runs-in-flight", cache_policy=NO_CACHE)
def runs_in_flight(program: str) -> list[tuple[str, str, str]]:
    """(item, "owner" or "review", run id) of every run an item waits in."""
    with unit_of_work() as uow:
        return list(item_runs.runs_in_flight(uow, get_program(uow.session, program)))


@task(name="release-lost-runs", cache_policy=NO_CACHE)
def release_lost_runs(lost: list[tuple[str, str, str, str]], actor: str = "deadline-sweep") -> list[str]:
    """Forget runs that can no longer take a form ((item, which, run id, its state)); the items released."""
    with unit_of_work() as uow:
        return [item for item, which, run_id, state in lost
                if item_runs.release_lost_run(uow, item, which, run_id, state, actor=actor)]  # type: ignore[arg-type]
