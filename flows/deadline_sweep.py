"""deadline-sweep (daily): reminders before due, overdue marks, escalation to the PM then top management."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.report import Progress, artifact_key, publish
from tasks import deadlines, notifications, programs


@flow(name="deadline-sweep")
def deadline_sweep(program: str | None = None, deliver: bool = True) -> dict[str, Any]:
    """Sweep one program or all; a second sweep on the same day sends nothing twice."""
    keys = [program] if program else programs.program_keys()
    progress = Progress(len(keys), f"deadline sweep of {len(keys)} programs")
    results = []
    for key in keys:
        results.append(deadlines.sweep_deadlines(key))
        progress.step()
    delivery = notifications.deliver_notifications() if deliver else None
    lines = ["| program | reminders | overdue | escalations |", "|---|---|---|---|"]
    lines += [f"| {r['program']} | {', '.join(r['reminders']) or '-'} | {', '.join(r['overdue']) or '-'} | "
              f"{', '.join(r['escalations']) or '-'} |" for r in results]
    if delivery is not None:
        lines += ["", f"Notices sent: {delivery['sent']}."]
    publish("deadline-sweep", lines, key=artifact_key(program or "all-programs", "deadline-sweep"))
    return {"programs": results, "delivery": delivery}
