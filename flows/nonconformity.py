"""nonconformity: on each finding (and each step of its loop), open the work of the step it waits for."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.owner_runs import start_owner_runs
from flows.report import artifact_key, publish
from tasks import nonconformities, programs


@flow(name="nonconformity")
def nonconformity(program: str | None = None, nonconformity: str | None = None) -> dict[str, Any]:
    """Open correction, root-cause, action, verification and closing work in turn (one NC, or all open).

    Run on each finding (with the program, and the NC), after each step, and daily for every program
    so that steps recorded elsewhere (the CLI) get their next work too.
    """
    keys = [program] if program else programs.program_keys()
    results = []
    lines: list[str] = []
    for key in keys:
        result = nonconformities.open_loop_work(key, nonconformity if program else None)
        runs = start_owner_runs(key) if result["opened"] else None
        results.append({**result, "owner_runs": runs.started if runs else {}})
        lines.append(f"## {key}")
        lines += [f"- {nc}: waits for **{step or 'nothing (closed)'}**" for nc, step in result["steps"].items()]
        if not result["steps"]:
            lines.append("No open nonconformity.")
        lines.append(f"Opened: {', '.join(result['opened']) or 'nothing new'}; cancelled (step passed): "
                     f"{', '.join(result['cancelled']) or 'none'}.")
        if runs is not None:
            lines += runs.lines()
    publish("nonconformity" + (f": {nonconformity}" if nonconformity else ""), lines,
            key=artifact_key(program or "all-programs", "nonconformity"))
    return results[0] if program else {"programs": results}
