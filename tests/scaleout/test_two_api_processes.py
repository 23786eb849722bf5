"""Two Prefect API processes on one PostgreSQL database, joined through Redis (prefect-redis).

The README's "More than one Prefect API process", for real: the first `prefect server start` runs
Prefect's services (the task-run recorder, the event persister, ...); the second runs with
`--no-services`; both use the Redis settings of the README (a Redis database number no one else
uses on the shared server). The two workers talk only to the second. The program manager's side
(this test) talks only to the first.

What only Redis can carry: a flow run on a worker reports its task runs and events to the second
process, which has no services of its own; they reach the database only if the second process
publishes them to Redis and the first one's services consume them there. So the start-phase runs'
task runs and completion events, read back through the first process, prove the shared broker;
the work items, owner runs and notices are checked as in test_scale_out.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.stack import wait_until
from tests.scaleout.cluster import Cluster, empty_redis_database, postgres_base_url, running_cluster
from tests.scaleout.programs import build_programs, key_of
from tests.scaleout.records import delivered, duplicates, rows

pytestmark = pytest.mark.postgres

PROGRAMS = 4
STAFFED = [1]  # one program manager: two owner runs
RUNS_SECONDS = 300
RECORDED_SECONDS = 120  # the recorder and the event persister work in batches, a few seconds apart
START_PHASE_TASKS = {"start-phase", "items-awaiting-owner-run", "deliver-notifications", "program-status"}


@pytest.fixture(scope="module")
def two_apis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    postgres_base_url()  # skip before creating anything when no PostgreSQL server is configured
    with empty_redis_database() as db, running_cluster(tmp_path_factory.mktemp("two-apis"), redis_db=db) as running:
        yield running


def task_run_names(cluster: Cluster, flow_run_ids: list[str]) -> dict[str, set[str]]:
    found = cluster.api("POST", "/task_runs/filter", {"flow_runs": {"id": {"any_": flow_run_ids}}, "limit": 200})
    names: dict[str, set[str]] = {i: set() for i in flow_run_ids}
    for t in found or []:
        names[t["flow_run_id"]].add(t["name"].rsplit("-", 1)[0])
    return names


def completion_events(cluster: Cluster, flow_run_ids: list[str]) -> set[str]:
    page = cluster.api("POST", "/events/filter", {"filter": {
        "event": {"name": ["prefect.flow-run.Completed"]},
        "any_resource": {"id": [f"prefect.flow-run.{i}" for i in flow_run_ids]},
        "occurred": {"since": "2000-01-01T00:00:00Z"}}, "limit": 50})
    return {e["resource"]["prefect.resource.id"].removeprefix("prefect.flow-run.") for e in (page or {})["events"]}


def test_workers_on_a_second_api_process_reach_the_first_ones_services_through_redis(two_apis: Cluster) -> None:
    cluster = two_apis
    assert cluster.second_api and cluster.second_api != f"{cluster.base_url}/api"
    for worker in cluster.workers:
        assert worker.env["PREFECT_API_URL"] == cluster.second_api
    build_programs(cluster, PROGRAMS, STAFFED)
    runs = [cluster.create_run("start-phase", {"program": key_of(n)}) for n in range(1, PROGRAMS + 1)]
    cluster.wait_for_runs(runs, final={"COMPLETED"}, timeout=RUNS_SECONDS, what="the start-phase runs")

    def recorded() -> dict[str, set[str]] | None:
        names = task_run_names(cluster, runs)
        return names if all(n >= START_PHASE_TASKS for n in names.values()) else None

    wait_until(recorded, timeout=RECORDED_SECONDS, every=2.0, explain=cluster.logs,
               what="the start-phase runs' task runs, recorded by the first process from Redis")
    wait_until(lambda: completion_events(cluster, runs) == set(runs), timeout=RECORDED_SECONDS, every=2.0,
               explain=cluster.logs, what="the runs' completion events, stored by the first process from Redis")

    def owner_runs_waiting() -> list[dict[str, Any]] | None:
        owner = cluster.runs_of("owner-task")
        return owner if sum(1 for r in owner if r["state"]["name"] == "Suspended") >= 2 * len(STAFFED) else None

    owner = wait_until(owner_runs_waiting, timeout=RUNS_SECONDS, every=2.0, explain=cluster.logs,
                       what="the owner runs to suspend")
    url = cluster.database_url
    assigned = rows(url, "SELECT id, owner_run_id FROM work_item WHERE assignee_id IS NOT NULL")
    assert len(owner) == len(assigned) == 2 * len(STAFFED)
    assert {r["id"] for r in owner} == {i["owner_run_id"] for i in assigned}
    assert rows(url, "SELECT count(*) AS n FROM work_item")[0]["n"] == 30 * PROGRAMS
    mail = [m["notice"] for m in delivered(cluster.mailbox)]
    assert len(mail) == len(assigned) and duplicates(mail) == {}
    assert cluster.aimsflow_json("trail", "verify")["problems"] == []
