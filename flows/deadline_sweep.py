"""deadline-sweep (daily): reminders before due, overdue marks, escalation to the PM then top management.

It also replaces owner and review runs that were cancelled, crashed, failed or deleted
(flows/run_recovery.py), and starts the owner-task runs of any assigned item that has none yet
(items opened from the CLI, or before the owner-task deployment existed) and the review-task runs
of submitted items that have none (completed on the CLI), so every item reaches its person within a day.
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.owner_runs import start_owner_runs
from flows.progress import publish_progress
from flows.report import Progress, artifact_key, delivery_lines, publish
from flows.review_runs import start_review_runs
from flows.run_recovery import replace_lost_runs
from tasks import notifications, programs
from tasks.daily_check import run_daily_checks


@flow(name="deadline-sweep")
def deadline_sweep(program: str | None = None, deliver: bool = True) -> dict[str, Any]:
    """Sweep one program or all; a second sweep on the same day sends nothing twice."""
    keys = [program] if program else programs.program_keys()
    progress = Progress(len(keys), f"deadline sweep of {len(keys)} programs")
    results = []
    started: dict[str, str] = {}
    replaced: list[str] = []
    reviews: dict[str, str] = {}
    for key in keys:
        results.append(run_daily_checks(key, ["sweep"])["swept"])
        replaced += replace_lost_runs(key).lines()
        started.update(start_owner_runs(key).started)
        reviews.update(start_review_runs(key).started)
        progress.step()
    delivery = notifications.deliver_notifications(return_state=True) if deliver else None
    lines = ["| program | reminders | overdue | escalations |", "|---|---|---|---|"]
    lines += [f"| {r['program']} | {', '.join(r['reminders']) or '-'} | {', '.join(r['overdue']) or '-'} | "
              f"{', '.join(r['escalations']) or '-'} |" for r in results]
    if replaced:
        lines += ["", *replaced]
    if started:
        lines += ["", f"Owner runs started for items that had none: {len(started)}."]
    if reviews:
        lines += ["", f"Review runs started for submitted items that had none: {len(reviews)}."]
    if delivery is not None:
        lines += ["", *delivery_lines(delivery)]
    publish("deadline-sweep", lines, key=artifact_key(program or "all-programs", "deadline-sweep"))
    for key in keys:
        publish_progress(key)
    sent = delivery.result() if delivery is not None and delivery.is_completed() else None
    return {"programs": results, "delivery": sent, "owner_runs": started, "review_runs": reviews,
            "replaced": replaced}
