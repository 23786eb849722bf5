"""owner-task: wait for one work item's owner, take their form, complete the item, move the gate.

From a deployment the run waits with `suspend_flow_run` (no process held while the owner takes
days); run in process (tests, the demo) it waits with `pause_flow_run`. A refused submission (a
wrong code, unknown evidence, a missing field, a rule) changes nothing and the run waits again
under a new pause key with the reason at the top of its form. An approval that top management
does not give is recorded in the trail and the run waits again, saying why: the item stays open
until it is approved, and the code stays valid.

After a suspend and resume Prefect runs this function again from the top, so everything before
the wait only reads. On that rerun the earlier attempts are known to have been refused (the run
waited again after each), so it goes straight to the latest attempt's input.

A resumed run is a new process that imports this module before it does its 0.2 s of work (the
owner waits on that: bench/owner_latency.py), so the module imports only what every run needs; the
flows a completion may start (the next phase, a nonconformity's next step) are imported when it does.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import pydantic
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.flow_runs import pause_flow_run, suspend_flow_run
from prefect.input import RunInput

from flows.progress import publish_progress
from flows.report import gate_lines, publish
from tasks import owner, phases, programs
from tasks.owner import OwnerTask

ATTEMPT = re.compile(r"attempt-(\d+)")
KIND_NAMES = {"clause_assessment": "ClauseAssessment", "approval": "Approval", "evidence": "Evidence",
              "record": "Record", "document": "Document", "impact_assessment": "ImpactAssessment",
              "corrective_action": "CorrectiveAction", "review_action": "ReviewAction"}


def form_model(task: OwnerTask) -> type[RunInput]:
    """The RunInput the Prefect UI turns into the owner's form, for this item's kind."""
    spec = task.spec
    fields: dict[str, Any] = {
        "code": (str, pydantic.Field(title="Completion code", description="The one-time code from your assignment "
                                     "notice, e.g. ABCD-EFGH: it makes this completion yours.")),
    }
    if spec.asks_assessment:
        fields["assessment"] = (Literal["conforms", "partial", "gap"], pydantic.Field(
            title="Assessment", description="Current practice against the clause."))
    if spec.asks_decision:
        fields["approve"] = (bool, pydantic.Field(title="Approve", description="On to approve; off to decline "
                                                  "(say why in the note)."))
    if task.loop_step == "verify":
        fields["effective"] = (bool, pydantic.Field(title="Effective", description="On if the corrective action "
                                                    "was effective; off sends the loop back to root-cause analysis."))
    fields["note"] = (str, pydantic.Field("", title="Note", description="What was done, or why (required for "
                                          "assessments and when not approving)."))
    if spec.accepts_evidence:
        fields["evidence"] = (list[str], pydantic.Field(
            default_factory=list, title="Evidence", description="SHA-256 of a file added with `aimsflow evidence "
            "add`, or a file path on the aimsflow server; one per entry." + (" At least one." if spec.asks_evidence
                                                                              else "")))
    name = KIND_NAMES.get(spec.kind, "Work") + "Form"
    model = pydantic.create_model(name, __base__=RunInput, **fields)
    return model.with_initial_data(description=spec.description)


def _attempts_so_far(flow_run_id: Any) -> int:
    """The highest attempt whose pause key this run has used (0 on its first start)."""
    with get_client(sync_client=True) as client:
        keys = client.read_flow_run(flow_run_id).empirical_policy.pause_keys or set()
    numbers = [int(m.group(1)) for k in keys if (m := ATTEMPT.fullmatch(str(k)))]
    return max(numbers, default=0)


def _submitted(form: RunInput) -> dict[str, Any]:
    data = form.model_dump()
    return {k: data[k] for k in ("code", "note", "evidence", "assessment", "approve", "effective") if k in data}


@flow(name="owner-task")
def owner_task(item: str, poll_seconds: float = 5.0, pause_timeout: int = 3600) -> dict[str, Any]:
    """Wait for the item's owner to complete it in the form; refused input waits again with the reason."""
    context = FlowRunContext.get()
    assert context is not None and context.flow_run is not None
    run = context.flow_run
    suspend = run.deployment_id is not None  # suspend needs a deployment; in process the run pauses
    attempt = max(_attempts_so_far(run.id) if suspend else 0, 1)
    problem: str | None = None
    while True:
        task = owner.describe_owner_task(item, problem)
        if not task.active:
            publish(f"owner-task: {item}", [f"{item} is **{task.state}**: nothing to complete here."])
            return {"item": item, "outcome": "nothing-to-do", "state": task.state, "attempts": attempt - 1}
        form = form_model(task)
        key = f"attempt-{attempt}"
        if suspend:
            answer = suspend_flow_run(wait_for_input=form, key=key, timeout=None)
        else:
            answer = pause_flow_run(wait_for_input=form, key=key, timeout=pause_timeout,  # type: ignore[call-overload]
                                    poll_interval=poll_seconds)  # a float works (time.sleep); typed int
        outcome = owner.submit_owner_form(item, _submitted(answer))
        if outcome["outcome"] == "refused":
            problem = outcome["problem"]
        elif outcome["outcome"] == "declined":
            problem = (f"you did not approve it: {outcome['reason']}. The item stays open; when it is ready, "
                       "approve it here with the same code.")
        else:
            break
        attempt += 1
    return _finish(task, outcome, attempt)


def _finish(task: OwnerTask, outcome: dict[str, Any], attempts: int) -> dict[str, Any]:
    """After a completion: move the gate, open what comes next, and say what happened."""
    program = task.program
    lines = [f"{task.item} ({task.spec.title}) by {task.assignee}: **{outcome['outcome']}**."]
    if outcome["outcome"] == "submitted":
        from flows.review_runs import start_review_runs
        from tasks import notifications

        lines.append("It waits for review by someone other than its owner, in a review run.")
        reviews = start_review_runs(program)
        lines += reviews.lines()
        if reviews.started:
            notifications.deliver_notifications(return_state=True)  # the reviewer's code and link
    if attempts > 1:
        lines.append(f"Submitted {attempts} times: the first {attempts - 1} were refused and changed nothing.")
    advanced = phases.advance_if_ready(program, actor=f"owner-task {task.item}")
    if advanced:
        from flows.start_phase import start_phase

        lines.append(f"The gate passed: the program advanced to **{advanced}**.")
        start_phase(program)  # the phase it advanced to is its current one
    loop = outcome.get("nonconformity")
    if loop:
        from flows.nonconformity import nonconformity

        lines.append(f"{loop['id']} is now **{loop['state']}** (round {loop['round']}).")
        nonconformity(program, loop["id"])
    status = programs.program_status(program)
    publish(f"owner-task: {task.item}", [*lines, "", "## Gate", *gate_lines(status)])
    publish_progress(program)
    return {"item": task.item, "outcome": outcome["outcome"], "advanced": advanced, "attempts": attempts,
            "state": status["state"]}
