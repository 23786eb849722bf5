"""start-phase: open a phase's work items and start one owner-task run per item. Safe to run twice."""

# No `from __future__ import annotations` here: Prefect builds the parameter model of a served run
# from the annotations, and a postponed `PhaseName` is not resolved there ("not fully defined").
from typing import Any

from prefect import flow, get_run_logger
from prefect.states import Failed, State

from flows.owner_runs import start_owner_runs
from flows.progress import progress_key, publish_progress
from flows.report import artifact_key, delivery_lines, gate_lines, publish
from flows.review_runs import start_review_runs
from states.program import PhaseName
from tasks import notifications, phases, programs


@flow(name="start-phase")
def start_phase(program: str, phase: PhaseName | None = None, deliver: bool = True) -> dict[str, Any] | State:
    """Open the phase's work (the program's current phase when none is named) and start its owner runs.

    Args:
        program: The program's key (e.g. merlion) or its display name (e.g. Merlion Insurance), as
            `aimsflow program list` shows them.
        phase: The implementation phase whose work to open; leave empty for the phase the program is in now.
        deliver: Send the assignment notices at once (one mail per person, each item with its own
            completion code and a link to its run).
    """
    found = programs.find_program(program)
    if "refused" in found:
        get_run_logger().error(found["refused"])
        return Failed(message=found["refused"])
    program = found["key"]
    opened = phases.start_phase(program, phase, actor="start-phase")
    runs = start_owner_runs(program, opened["phase"])
    reviews = start_review_runs(program)  # work completed on the command line waits for its reviewer here
    delivery = notifications.deliver_notifications(return_state=True) if deliver else None
    status = programs.program_status(program)
    if not opened["opens_work"]:
        what = "this state opens no phase work (audits, the cycle and reviews open theirs)."
    elif opened["created"]:
        what = f"{len(opened['created'])} work items opened."
    else:
        what = "its work items were already open; nothing new."
    lines = [f"Phase **{opened['phase']}**: {what}", *runs.lines(), *reviews.lines(),
             f"Where the program stands now: the artifact `{progress_key(program)}`."]
    if delivery is not None:
        lines += delivery_lines(delivery)
    lines += ["", "## Gate", *gate_lines(status)]
    publish(f"start-phase: {program}", lines, key=artifact_key(program, "start-phase"))
    publish_progress(program)
    return {"program": program, "phase": opened["phase"], "created": opened["created"],
            "owner_runs": runs.started, "deployment": runs.deployment, "state": status["state"]}
