"""Scale-out fixtures: one cluster per module, in the README's "Several machines" layout on one machine.

Two Prefect API processes on one PostgreSQL database joined through Redis (the first with Prefect's
services, the second `--no-services`), aimsflow on another PostgreSQL database, prefect.yaml
deployed with `prefect deploy --all`, and two `prefect worker start` processes that talk to the
second API process only; the tests, like a program manager, talk to the first. Starting it takes
about 40-60 s on the 2-core machine.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scaleout.cluster import Cluster, empty_redis_database, postgres_base_url, running_cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The cluster on loopback and two fresh PostgreSQL databases; stopped and dropped afterwards."""
    postgres_base_url()  # skip before creating anything when no PostgreSQL server is configured
    with empty_redis_database() as db, running_cluster(tmp_path_factory.mktemp("scaleout"), redis_db=db) as running:
        yield running
