"""`aimsflow serve` starts each run as a fork of a warm server process, not a fresh interpreter.

bench/owner_latency.py measures what it saves an owner after Submit; here: that the served runs'
processes really come from the fork server, and that what it preloads exists (multiprocessing
skips a preload it cannot import without a word).
"""

from __future__ import annotations

import importlib.util
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import prefect.flow_engine
import pytest
from prefect import flow

from flows import serve


@flow(name="warm-start-probe")
def leave_a_mark(path: str) -> None:
    """Write a file: proof that the child ran the flow."""
    Path(path).write_text("ran", encoding="utf-8")


@pytest.fixture
def warm() -> Iterator[None]:
    original = prefect.flow_engine.multiprocessing
    serve.warm_start()
    try:
        yield
    finally:
        prefect.flow_engine.multiprocessing = original  # type: ignore[assignment]


def test_every_module_the_fork_server_preloads_can_be_imported() -> None:
    missing = [name for name in serve.PRELOAD if importlib.util.find_spec(name) is None]
    assert not missing


def test_a_served_run_starts_from_the_fork_server_instead_of_a_spawned_interpreter(warm: None, tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    # What Prefect's runner calls for a served in-memory flow (DirectSubprocessStarter).
    process = prefect.flow_engine.run_flow_in_subprocess(leave_a_mark, parameters={"path": str(mark)})
    process.join(120)
    assert isinstance(process, multiprocessing.context.ForkServerProcess)
    assert process.exitcode == 0
    assert mark.read_text(encoding="utf-8") == "ran"


def test_the_served_flows_are_the_planned_deployments_with_their_schedules() -> None:
    served = {spec["name"]: spec for _, spec in serve.served_flows("Asia/Singapore")}
    assert {d.name for d in serve.deployments("Asia/Singapore")} == set(served)
    assert served["owner-task"]["schedules"] is None, "owner runs start on demand"
    assert served["deadline-sweep"]["schedules"], "the sweep runs on its schedule"
