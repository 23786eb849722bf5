"""Evidence collection as tasks: fetching retries (it is I/O); recording is one unit of work."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.collect import Fetched, fetch
from aimsflow.services import collectors
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work


@task(name="due-collectors", cache_policy=NO_CACHE)
def due_collectors(program: str) -> list[tuple[int, str, str, str | None, str]]:
    """The collectors of a program whose schedule says they run now."""
    with unit_of_work() as uow:
        return collectors.due_collectors(uow, get_program(uow.session, program))


@task(name="fetch-evidence", retries=2, retry_delay_seconds=5, cache_policy=NO_CACHE)
def fetch_evidence(source: str, target: str, pattern: str | None, name: str) -> list[Fetched]:
    """Fetch one collector's files, URL or command output (retried: sources fail transiently)."""
    return fetch(source, target, pattern, name)


@task(name="record-collection", cache_policy=NO_CACHE)
def record_collection(collector_id: int, fetched: list[Fetched] | None, error: str | None) -> dict[str, Any]:
    """Store what was fetched in the evidence store, or count the failure."""
    with unit_of_work() as uow:
        return collectors.record_collection(uow, collector_id, fetched, error)
