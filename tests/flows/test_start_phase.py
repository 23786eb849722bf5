"""start-phase: opens a phase's work once and starts one owner-task run per item, however often it runs."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

from flows.start_phase import start_phase
from tests.flows.builders import LEGAL, PM, TOP, create_program, mail, work_items


def owner_runs_of(key: str) -> list:
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"program:{key}"])))


def test_start_phase_twice_creates_each_work_item_once_and_starts_one_owner_run_per_item(
        database: str, program_key: str, owner_deployment: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    first = start_phase(program_key, "foundation_building", deliver=False)
    second = start_phase(program_key, "foundation_building", deliver=False)

    items = work_items(program_key)
    foundation = [i for i in items if i["phase"] == "foundation_building"]
    assert len(foundation) == 7
    assert len({i["key"] for i in items}) == len(items)
    assert sorted(first["created"]) == sorted(i["id"] for i in foundation)
    assert second["created"] == []
    assert set(first["owner_runs"]) == {i["id"] for i in foundation}
    assert second["owner_runs"] == {}

    runs = {r.parameters["item"]: r for r in owner_runs_of(program_key) if r.parameters["item"] in first["owner_runs"]}
    assert len(runs) == 7, "one owner-task run per foundation item, none twice"
    for item in foundation:
        run = runs[item["id"]]
        assert str(run.id) == first["owner_runs"][item["id"]]
        assert run.deployment_id == UUID(owner_deployment)
        assert run.name == f"{program_key} · {item['id']} · {item['assignee']} · due {item['due']}"
        assert {f"owner:{item['assignee']}", f"program:{program_key}", f"item:{item['id']}"} <= set(run.tags)
    assert {i["assignee"] for i in foundation} >= {PM, LEGAL, TOP}


def test_start_phase_without_a_phase_named_works_on_the_current_one(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    result = start_phase(program_key, deliver=False)
    assert result["phase"] == "gap_analysis"
    assert result["created"] == []  # creating the program opened them
    assert result["state"] == "gap_analysis"


def test_start_phase_without_an_owner_task_deployment_opens_the_work_sends_the_codes_and_starts_no_runs(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    result = start_phase(program_key, "foundation_building")
    assert len(result["created"]) == 7
    assert result["deployment"] is None and result["owner_runs"] == {}
    assert owner_runs_of(program_key) == []
    assigned = {m["subject"].split()[1] for m in mail(tmp_path / "mailbox.mbox") if "/assign:" in m["notice"]}
    assert set(result["created"]) <= assigned
    assert all("Your personal completion code" in m["body"] for m in mail(tmp_path / "mailbox.mbox")
               if "/assign:" in m["notice"])
