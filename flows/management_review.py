"""management-review (yearly per program, and on demand): assemble inputs (a)-(e), open the review's work."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.owner_runs import start_owner_runs
from flows.report import artifact_key, publish
from flows.reports import attach_report
from tasks import programs
from tasks.daily_check import run_daily_checks

INPUT_NAMES = {"a": "(a) actions from earlier reviews", "d": "(d) AIMS performance",
               "e": "(e) opportunities for improvement"}


@flow(name="management-review")
def management_review(program: str | None = None, force: bool = False) -> dict[str, Any]:
    """Prepare each due review (or this program's now, with force); its actions become work when it is held."""
    keys = [program] if program else programs.program_keys()
    results = []
    lines: list[str] = []
    for key in keys:
        result = run_daily_checks(key, ["management-review"], force_review=force)["review"]
        runs = start_owner_runs(key) if result["opened"] else None
        results.append({**result, "owner_runs": runs.started if runs else {}})
        lines.append(f"## {key}: management review {result['year']}")
        if result["skipped"]:
            lines.append(f"Not opened: {result['skipped']}.")
            continue
        lines += [f"- **{INPUT_NAMES.get(k, k)}**: {v}" for k, v in result["inputs"].items()]
        lines.append(f"Opened: {', '.join(result['opened']) or 'nothing new'} (inputs (b) and (c) and the review "
                     "itself); record it with `aimsflow review hold`.")
        if runs is not None:
            lines += runs.lines()
        attach_report(key, "management-review")
    publish("management-review", lines, key=artifact_key(program or "all-programs", "management-review"))
    return {"programs": results}
