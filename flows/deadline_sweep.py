"""deadline-sweep (daily): reminders before due, overdue marks, escalation to the PM then top management.

It also starts the owner-task runs of any assigned item that has none yet (items opened from the
CLI, or before the owner-task deployment existed), so every item reaches its owner within a day.
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.owner_runs import start_owner_runs
from flows.progress import publish_progress
from flows.report import Progress, artifact_key, delivery_lines, publish
from tasks import notifications, programs
from tasks.daily_check import run_daily_checks


@flow(name="deadline-sweep")
def deadline_sweep(program: str | None = None, deliver: bool = True) -> dict[str, Any]:
    """Sweep one program or all; a second sweep on the same day sends nothing twice."""
    keys = [program] if program else programs.program_keys()
    progress = Progress(len(keys), f"deadline sweep of {len(keys)} programs")
    results = []
    started: dict[str, str] = {}
    for key in keys:
        results.append(run_daily_checks(key, ["sweep"])["swept"])
        started.update(start_owner_runs(key).started)
        progress.step()
    delivery = notifications.deliver_notifications(return_state=True) if deliver else None
    lines = ["| program | reminders | overdue | escalations |", "|---|---|---|---|"]
    lines += [f"| {r['program']} | {', '.join(r['reminders']) or '-'} | {', '.join(r['overdue']) or '-'} | "
              f"{', '.join(r['escalations']) or '-'} |" for r in results]
    if started:
        lines += ["", f"Owner runs started for items that had none: {len(started)}."]
    if delivery is not None:
        lines += ["", *delivery_lines(delivery)]
    publish("deadline-sweep", lines, key=artifact_key(program or "all-programs", "deadline-sweep"))
    for key in keys:
        publish_progress(key)
    sent = delivery.result() if delivery is not None and delivery.is_completed() else None
    return {"programs": results, "delivery": sent, "owner_runs": started}
