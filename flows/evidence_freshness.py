"""evidence-freshness (weekly): evidence that will be stale at the next audit is requested again ahead of it."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.owner_runs import start_owner_runs
from flows.report import artifact_key, publish
from tasks import programs
from tasks.daily_check import run_daily_checks


@flow(name="evidence-freshness")
def evidence_freshness(program: str | None = None) -> dict[str, Any]:
    """Open renewal requests (one per stale evidence and control) and their owner runs."""
    keys = [program] if program else programs.program_keys()
    results = []
    lines: list[str] = []
    for key in keys:
        result = run_daily_checks(key, ["evidence-freshness"])["evidence"]
        runs = start_owner_runs(key) if result["requested"] else None
        results.append({**result, "owner_runs": runs.started if runs else {}})
        nxt = result["next_audit"]
        lines.append(f"## {key}")
        if nxt is None:
            lines.append("No audit ahead yet: nothing to check against.")
            continue
        lines.append(f"Next audit: {nxt['what']} on {nxt['date']}. Stale by then: {len(result['stale'])}; "
                     f"requested: {', '.join(result['requested']) or 'nothing new'}.")
        lines += [f"- {s['evidence']} for {s['ref']} valid until {s['valid_until']}" for s in result["stale"]]
        if runs is not None:
            lines += runs.lines()
    publish("evidence-freshness", lines, key=artifact_key(program or "all-programs", "evidence-freshness"))
    return {"programs": results}
