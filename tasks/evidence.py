"""Evidence freshness of one program as a task."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.services import evidence_freshness
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work


@task(name="request-fresh-evidence", cache_policy=NO_CACHE)
def request_fresh_evidence(program: str) -> dict[str, Any]:
    """Open renewal requests for evidence that will be stale at the next audit."""
    with unit_of_work() as uow:
        return evidence_freshness.request_fresh_evidence(uow, get_program(uow.session, program))
