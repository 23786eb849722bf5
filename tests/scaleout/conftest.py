"""Scale-out fixtures: one PostgreSQL cluster (Prefect server, aimsflow, two workers) per module.

Starting it takes about 30-40 s on the 2-core machine: the server on PostgreSQL, `prefect deploy
--all` of prefect.yaml, and two workers polling the `aimsflow` pool.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.scaleout.cluster import Cluster, postgres_base_url, running_cluster


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The cluster on loopback and two fresh PostgreSQL databases; stopped and dropped afterwards."""
    postgres_base_url()  # skip before creating anything when no PostgreSQL server is configured
    with running_cluster(tmp_path_factory.mktemp("scaleout")) as running:
        yield running
