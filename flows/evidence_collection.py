"""evidence-collection: run each program's due collectors; a collector that keeps failing opens work."""

from __future__ import annotations

from typing import Any

from prefect import flow

from aimsflow.errors import AimsflowError
from flows.report import artifact_key, publish
from tasks import collectors, programs


@flow(name="evidence-collection")
def evidence_collection(program: str | None = None) -> dict[str, Any]:
    """Fetch the evidence of every due collector (with retries) and record it by its hash."""
    keys = [program] if program else programs.program_keys()
    results: list[dict[str, Any]] = []
    lines: list[str] = []
    for key in keys:
        lines.append(f"## {key}")
        due = collectors.due_collectors(key)
        if not due:
            lines.append("No collector is due.")
        for collector_id, source, target, pattern, name in due:
            try:
                fetched, error = collectors.fetch_evidence(source, target, pattern, name), None
            except AimsflowError as exc:  # after the retries: counted as a failure, not a failed flow
                fetched, error = None, str(exc)
            try:
                result = collectors.record_collection(collector_id, fetched, error)
            except AimsflowError as exc:  # storing failed (the file changed, over the limit): counted
                fetched, error = None, str(exc)
                result = collectors.record_collection(collector_id, None, error)
            results.append(result)
            if error:
                lines.append(f"- {name}: failed ({error})" + (f"; opened {result['opened']}" if result["opened"]
                                                              else ""))
            else:
                lines.append(f"- {name}: stored {', '.join(result['stored']) or 'nothing new'}; "
                             f"re-confirmed {', '.join(result['reconfirmed']) or 'nothing'}")
    publish("evidence-collection", lines, key=artifact_key(program or "all-programs", "evidence-collection"))
    return {"collected": results}
