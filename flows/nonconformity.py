"""nonconformity: on each finding (and each step of its loop), open the work of the step it waits for."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.owner_runs import start_owner_runs
from flows.report import artifact_key, publish
from tasks import nonconformities


@flow(name="nonconformity")
def nonconformity(program: str, nonconformity: str | None = None) -> dict[str, Any]:
    """Open correction, root-cause, action, verification and closing work in turn (one NC, or all open)."""
    result = nonconformities.open_loop_work(program, nonconformity)
    runs = start_owner_runs(program)
    lines = [f"- {nc}: waits for **{step or 'nothing (closed)'}**" for nc, step in result["steps"].items()]
    lines = lines or ["No open nonconformity."]
    lines += ["", f"Opened: {', '.join(result['opened']) or 'nothing new'}; cancelled (step passed): "
              f"{', '.join(result['cancelled']) or 'none'}.", *runs.lines()]
    publish(f"nonconformity: {program}" + (f" {nonconformity}" if nonconformity else ""), lines,
            key=artifact_key(program, "nonconformity"))
    return {**result, "owner_runs": runs.started}
