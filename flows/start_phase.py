"""start-phase: open a phase's work items and start one owner-task run per item. Safe to run twice."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.owner_runs import start_owner_runs
from flows.report import artifact_key, delivery_lines, gate_lines, publish
from flows.review_runs import start_review_runs
from tasks import notifications, phases, programs


@flow(name="start-phase")
def start_phase(program: str, phase: str | None = None, deliver: bool = True) -> dict[str, Any]:
    """Open the phase's work (the program's current phase when none is named) and start its owner runs.

    With `deliver` the assignment notices (each with its owner's completion code) go out at once.
    """
    opened = phases.start_phase(program, phase, actor="start-phase")
    runs = start_owner_runs(program, opened["phase"])
    reviews = start_review_runs(program)  # work completed on the command line waits for its reviewer here
    delivery = notifications.deliver_notifications(return_state=True) if deliver else None
    status = programs.program_status(program)
    lines = [f"Phase **{opened['phase']}**: "
             + (f"{len(opened['created'])} work items opened." if opened["opens_work"] else
                "this state opens no phase work (audits, the cycle and reviews open theirs)."),
             *runs.lines(), *reviews.lines()]
    if delivery is not None:
        lines += delivery_lines(delivery)
    lines += ["", "## Gate", *gate_lines(status)]
    publish(f"start-phase: {program}", lines, key=artifact_key(program, "start-phase"))
    return {"program": program, "phase": opened["phase"], "created": opened["created"],
            "owner_runs": runs.started, "deployment": runs.deployment, "state": status["state"]}
