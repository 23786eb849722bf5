"""Scale-out for real: twenty programs' start-phase runs at once on two workers, then two sweeps at once.

The cluster (cluster.py, conftest.py) is two Prefect API processes on PostgreSQL joined through
Redis, aimsflow on PostgreSQL, prefect.yaml deployed to the `aimsflow` process work pool and two
`prefect worker start` processes on the second API process; the test creates runs through the first. Twenty
programs are created through the `aimsflow` command, each in gap analysis. Every fourth one has a
program manager, who is assigned the inventory and the roadmap of the 30 items its phase opens; the
other programs have nobody yet, so their items wait unassigned and get no owner run (as the design
says). The twenty start-phase runs thus start 10 owner-task runs, which suspend and hold no process:
each flow run is a process of its own, about 5 s of CPU on this 2-core machine, so the test keeps
them few. Twenty start-phase runs are created at once through the API, as the UI's Run button would;
the workers share them out. Then the simulated clock moves to a week before the inventories are due
and two deadline-sweep runs (each over every program) are created at once.

Every figure is checked against the databases: each item once, each owner run once and recorded on
its item, each notice once in the outbox and once in the mailbox, every trail verifying.

What only Redis can carry: a flow run on a worker reports its task runs and events to the second
API process, which runs no services; they reach the database only if that process publishes them
to Redis and the first one's task-run recorder and event persister consume them there. So the
start-phase runs' task runs and completion events, read back through the first process, prove the
shared broker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.stack import wait_until
from tests.scaleout.cluster import Cluster
from tests.scaleout.programs import build_programs, key_of
from tests.scaleout.records import delivered, duplicates, rows

pytestmark = pytest.mark.postgres

PROGRAMS = 20
ASSIGNED_PER_PROGRAM = 2  # the program manager's inventory and roadmap; the clause items wait for an owner
STAFFED = [n for n in range(1, PROGRAMS + 1) if n % 4 == 1]  # programs with a program manager
ITEMS_PER_PROGRAM = 30  # gap analysis: the inventory, 27 clauses, the roadmap and its approval
A_WEEK_BEFORE_THE_INVENTORIES_ARE_DUE = "2027-01-12"  # due 2027-01-18: the 7-day reminder is due
RUNS_SECONDS = 420  # 20 start-phase + 10 owner runs on 2 cores: about 1-2.5 minutes measured under load
RECORDED_SECONDS = 120  # the recorder and the event persister work in batches, a few seconds apart
START_PHASE_TASKS = {"start-phase", "items-awaiting-owner-run", "deliver-notifications", "program-status"}


SUBMITTED = re.compile(r"Worker '[^']+' submitting flow run '([0-9a-f-]{36})'")
ABORTED = re.compile(r"Aborted submission of flow run '([0-9a-f-]{36})'")


@pytest.fixture(scope="module")
def started(cluster: Cluster) -> Iterator[dict[str, Any]]:
    """Twenty programs built through the CLI, and their start-phase runs created at once and finished."""
    build_programs(cluster, PROGRAMS, STAFFED)
    runs = {key_of(n): cluster.create_run("start-phase", {"program": key_of(n)}) for n in range(1, PROGRAMS + 1)}
    finished = cluster.wait_for_runs(list(runs.values()), final={"COMPLETED"}, timeout=RUNS_SECONDS,
                                     what=f"{PROGRAMS} start-phase runs to complete")

    def owner_runs_waiting() -> list[dict[str, Any]] | None:
        owner = cluster.runs_of("owner-task")
        waiting = [r for r in owner if r["state"] and r["state"]["name"] == "Suspended"]
        return owner if len(waiting) >= len(STAFFED) * ASSIGNED_PER_PROGRAM else None

    owner = wait_until(owner_runs_waiting, timeout=RUNS_SECONDS, every=2.0, explain=cluster.logs,
                       what=f"{len(STAFFED) * ASSIGNED_PER_PROGRAM} owner-task runs to suspend")
    yield {"start_runs": runs, "finished": finished, "owner_runs": owner}


def test_twenty_start_phase_runs_at_once_on_two_workers_open_each_item_once_and_start_each_owner_run_once(
        cluster: Cluster, started: dict[str, Any]) -> None:
    url = cluster.database_url
    programs = rows(url, "SELECT id, key, state FROM program ORDER BY key")
    assert [p["key"] for p in programs] == [key_of(n) for n in range(1, PROGRAMS + 1)]
    assert {p["key"]: p["state"] for p in programs} == {key_of(n): "gap_analysis" for n in range(1, PROGRAMS + 1)}

    items = rows(url, "SELECT w.id, p.key AS program, w.key, w.phase, w.assignee_id, w.owner_run_id, w.state "
                      "FROM work_item w JOIN program p ON p.id = w.program_id")
    assert duplicates([(i["program"], i["key"]) for i in items]) == {}
    per_program = {p["key"]: sum(1 for i in items if i["program"] == p["key"]) for p in programs}
    assert per_program == {key_of(n): ITEMS_PER_PROGRAM for n in range(1, PROGRAMS + 1)}
    assert {i["phase"] for i in items} == {"gap_analysis"}
    assigned = [i for i in items if i["assignee_id"] is not None]
    assert len(assigned) == len(STAFFED) * ASSIGNED_PER_PROGRAM
    assert {i["key"] for i in assigned} == {"inventory", "roadmap"}
    assert all(i["owner_run_id"] is None for i in items if i["assignee_id"] is None)

    # Each assigned item has exactly one owner-task run, suspended, and it is the one its row records.
    owner_runs = started["owner_runs"]
    by_item: dict[str, list[dict[str, Any]]] = {}
    for r in owner_runs:
        by_item.setdefault(r["parameters"]["item"], []).append(r)
    assert {k: len(v) for k, v in by_item.items() if len(v) != 1} == {}
    assert sorted(by_item) == sorted(f"WI-{i['id']}" for i in assigned)
    for item in assigned:
        (run,) = by_item[f"WI-{item['id']}"]
        assert run["id"] == item["owner_run_id"], item
        assert run["state"]["name"] == "Suspended", run["state"]
        assert f"program:{item['program']}" in run["tags"]

    # Both workers took part, and no run was executed twice: when both workers reach for one run,
    # the server lets one have it and tells the other to abort its submission.
    submitted = {}
    for worker in cluster.workers:
        log = worker.log.read_text(encoding="utf-8", errors="replace")
        aborted = ABORTED.findall(log)
        submitted[worker.name] = [i for i in SUBMITTED.findall(log) if i not in aborted]
    every = [run_id for ids in submitted.values() for run_id in ids]
    assert duplicates(every) == {}
    assert all(submitted.values()), {name: len(ids) for name, ids in submitted.items()}
    assert set(started["start_runs"].values()) | {r["id"] for r in owner_runs} <= set(every)

    # One assignment notice per assigned item in the outbox, sent, and one message each in the mailbox.
    notices = rows(url, "SELECT n.dedup_key, n.kind, n.sent_at, p.key AS program FROM notification n "
                        "JOIN program p ON p.id = n.program_id")
    assert duplicates([(n["program"], n["dedup_key"]) for n in notices]) == {}
    assignments = [n for n in notices if n["kind"] == "assignment"]
    assert len(assignments) == len(assigned)
    assert all(n["sent_at"] is not None for n in assignments)
    mail = delivered(cluster.mailbox)
    assert duplicates([m["notice"] for m in mail]) == {}
    assert sorted(m["notice"] for m in mail) == sorted(f"{n['program']}/{n['dedup_key']}" for n in notices)

    assert cluster.aimsflow_json("trail", "verify")["problems"] == []


def test_two_deadline_sweeps_at_once_remind_each_due_item_exactly_once_and_lose_no_update(
        cluster: Cluster, started: dict[str, Any]) -> None:
    url = cluster.database_url
    cluster.aimsflow("clock", "set", A_WEEK_BEFORE_THE_INVENTORIES_ARE_DUE, "--no-checks")
    events_before = rows(url, "SELECT count(*) AS n FROM event")[0]["n"]
    sweeps = [cluster.create_run("deadline-sweep", {}), cluster.create_run("deadline-sweep", {})]
    cluster.wait_for_runs(sweeps, final={"COMPLETED"}, timeout=RUNS_SECONDS, what="two deadline sweeps to complete")

    inventories = rows(url, "SELECT w.id, p.key AS program, w.reminders_sent FROM work_item w "
                            "JOIN program p ON p.id = w.program_id WHERE w.key = 'inventory'")
    assert len(inventories) == PROGRAMS
    assert {i["program"]: i["reminders_sent"] for i in inventories} == {key_of(n): "7" for n in range(1, PROGRAMS + 1)}

    reminders = rows(url, "SELECT n.dedup_key, n.sent_at, n.work_item_id, p.key AS program FROM notification n "
                          "JOIN program p ON p.id = n.program_id WHERE n.kind = 'reminder'")
    # A notice for each assigned inventory; the unassigned ones are reminded in the trail only (no one to mail).
    staffed = {key_of(n) for n in STAFFED}
    assert sorted(r["work_item_id"] for r in reminders) == sorted(i["id"] for i in inventories
                                                                  if i["program"] in staffed)
    assert all(r["sent_at"] is not None for r in reminders)
    mail = [m for m in delivered(cluster.mailbox) if "/remind:" in m["notice"]]
    assert duplicates([m["notice"] for m in mail]) == {}
    assert sorted(m["notice"] for m in mail) == sorted(f"{r['program']}/{r['dedup_key']}" for r in reminders)

    # One remind event per item, and the trail of every program still chains: no write was lost or forked.
    reminded = rows(url, "SELECT row_ref, program_id FROM event WHERE trigger = 'remind'")
    assert duplicates([(e["program_id"], e["row_ref"]) for e in reminded]) == {}
    assert len([e for e in reminded if e["row_ref"] in {f"WI-{i['id']}" for i in inventories}]) == PROGRAMS
    assert rows(url, "SELECT count(*) AS n FROM event")[0]["n"] > events_before
    heads = rows(url, "SELECT h.program_id, h.seq, (SELECT count(*) FROM event e WHERE e.program_id = h.program_id) "
                      "AS events FROM trail_head h")
    assert all(h["seq"] == h["events"] for h in heads), heads
    assert cluster.aimsflow_json("trail", "verify")["problems"] == []


def task_run_names(cluster: Cluster, flow_run_ids: list[str]) -> dict[str, set[str]]:
    """The task names recorded for each flow run (a task run's name is the task's, a dash and a suffix)."""
    names: dict[str, set[str]] = {i: set() for i in flow_run_ids}
    for start in range(0, len(flow_run_ids), 5):
        found = cluster.api("POST", "/task_runs/filter",
                            {"flow_runs": {"id": {"any_": flow_run_ids[start:start + 5]}}, "limit": 200})
        for t in found or []:
            names[t["flow_run_id"]].add(t["name"].rsplit("-", 1)[0])
    return names


def completion_events(cluster: Cluster, flow_run_ids: list[str]) -> set[str]:
    """The flow runs among these whose Completed event is stored."""
    page = cluster.api("POST", "/events/filter", {"filter": {
        "event": {"name": ["prefect.flow-run.Completed"]},
        "any_resource": {"id": [f"prefect.flow-run.{i}" for i in flow_run_ids]}}, "limit": 50})
    return {e["resource"]["prefect.resource.id"].removeprefix("prefect.flow-run.") for e in (page or {})["events"]}


def test_workers_on_the_second_api_process_reach_the_first_ones_services_through_redis(
        cluster: Cluster, started: dict[str, Any]) -> None:
    assert cluster.second_api and cluster.second_api != f"{cluster.base_url}/api"
    assert {w.env["PREFECT_API_URL"] for w in cluster.workers} == {cluster.second_api}
    runs = list(started["start_runs"].values())

    def recorded() -> dict[str, set[str]] | None:
        names = task_run_names(cluster, runs)
        return names if all(n >= START_PHASE_TASKS for n in names.values()) else None

    wait_until(recorded, timeout=RECORDED_SECONDS, every=2.0, explain=cluster.logs,
               what="the start-phase runs' task runs, recorded by the first process from Redis")
    wait_until(lambda: completion_events(cluster, runs) == set(runs), timeout=RECORDED_SECONDS, every=2.0,
               explain=cluster.logs, what="the runs' completion events, stored by the first process from Redis")
