"""review-task: wait for the reviewer of one submitted item, take their decision, and pass the item on.

Started when an item ends "submitted" (flows/review_runs.py), tagged `reviewer:<name>`. It waits
like owner-task (suspended from a deployment, paused in process); the form asks for the reviewer's
one-time code, accept or reject, and the reason (required to reject), under a description that
lists the submitter's note and the evidence by hash, file name and size. A refused decision (a
wrong code, no reason, the submitter reviewing their own work) changes nothing and the run waits
again with the reason on top. Accepted: the gate may pass. Rejected: the owner gets a new owner
run whose form shows the reason on top, and a new code.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic
from prefect import flow, get_run_logger
from prefect.context import FlowRunContext
from prefect.input import RunInput
from prefect.states import Completed, State

from flows.owner_task import _attempts_so_far
from flows.progress import publish_progress
from flows.report import publish
from flows.waiting import NOT_ACCEPTED, wait_for_form
from tasks import notifications, phases, review
from tasks.review import ReviewTask


class ReviewForm(RunInput):
    """The reviewer's form (its labels are aimsflow.forms.REVIEW_FIELD_LABELS)."""

    code: str = pydantic.Field(title="Review code", description="The one-time code from your review notice, e.g. "
                               "ABCD-EFGH: it makes this decision yours.")
    decision: Literal["accept", "reject"] = pydantic.Field(
        title="Decision", description="Accept the work and its evidence, or reject it (say why in the reason).")
    reason: str = pydantic.Field("", title="Reason", description="Why it is rejected: the owner sees it on top of "
                                 "their form (required to reject).")


def review_form(task: ReviewTask, previous: dict[str, Any] | None = None) -> type[RunInput]:
    """The form the Prefect UI shows the reviewer, with the item described on top (and, after a refusal,
    the previous decision and reason kept)."""
    return ReviewForm.with_initial_data(description=task.description, **(previous or {}))


@flow(name="review-task")
def review_task(item: str, poll_seconds: float = 5.0, pause_timeout: int = 3600) -> State[dict[str, Any]]:
    """Wait for the item's reviewer to accept or reject it in the form; refused input waits again, "Not accepted"."""
    context = FlowRunContext.get()
    assert context is not None and context.flow_run is not None
    run = context.flow_run
    suspend = run.deployment_id is not None  # suspend needs a deployment; in process the run pauses
    attempt = max(_attempts_so_far(run.id) if suspend else 0, 1)
    problem: str | None = None
    previous: dict[str, Any] = {}
    while True:
        task = review.describe_review_task(item, problem)
        if not task.waiting:
            publish(f"review-task: {item}", [f"{item} is **{task.state}**: nothing to review here."])
            return Completed(name="Nothing to do", data={"item": item, "outcome": "nothing-to-do",
                                                         "state": task.state, "attempts": attempt - 1})
        submitted = wait_for_form(review_form(task, previous), key=f"attempt-{attempt}", suspend=suspend,
                                  name=NOT_ACCEPTED if problem else None,
                                  timeout=None if suspend else pause_timeout, poll_seconds=poll_seconds)
        answers = {"code": "", **{k: submitted[k] for k in ("code", "decision", "reason")
                                  if submitted.get(k) is not None}}
        outcome = review.submit_review_form(item, answers)
        if outcome["outcome"] != "refused":
            break
        problem = outcome["problem"]
        get_run_logger().warning("%s: %s", NOT_ACCEPTED, problem)
        previous = {k: v for k, v in answers.items() if k != "code"}  # the code is typed again
        attempt += 1
    result = _finish(task, outcome, attempt)
    return Completed(name=str(result["outcome"]).capitalize(), data=result)


def _finish(task: ReviewTask, outcome: dict[str, Any], attempts: int) -> dict[str, Any]:
    """After a decision: move the gate (accepted), or give the item back to its owner (rejected)."""
    program = task.program
    lines = [f"{task.item} reviewed by {task.reviewer}: **{outcome['outcome']}**."]
    if attempts > 1:
        lines.append(f"{attempts - 1} earlier decisions were refused and changed nothing.")
    advanced = None
    if outcome["outcome"] == "rejected":
        from flows.owner_runs import start_owner_runs

        lines.append(f"Reason: {outcome['reason']}. {task.submitter or 'The owner'} gets it back in a new owner run.")
        lines += start_owner_runs(program, only=[task.item]).lines()
        notifications.deliver_notifications(return_state=True)  # the owner's new code and link
    else:
        advanced = phases.advance_if_ready(program, actor=f"review-task {task.item}")
        if advanced:
            from flows.start_phase import start_phase

            lines.append(f"The gate passed: the program advanced to **{advanced}**.")
            start_phase(program)
    publish(f"review-task: {task.item}", lines)
    publish_progress(program)
    return {"item": task.item, "outcome": outcome["outcome"], "advanced": advanced, "attempts": attempts}
