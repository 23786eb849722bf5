"""owner-task: wait for one work item's owner, take their form, complete the item, move the gate.

From a deployment the run waits suspended (no process held while the owner takes days); run in
process (tests, the demo) it waits paused (flows/waiting.py). A refused submission (a wrong code,
unknown evidence, a missing field, a rule) changes nothing: the run logs a WARNING with the reason
and waits again under a new pause key, in a state named "Not accepted", with the reason at the
top of its form and the previous answers filled in (all but the code). An approval that top
management does not give is recorded in the trail and the run waits again the same way, saying
why: the item stays open until it is approved, and the code stays valid. The run ends in a state
named after the outcome ("Accepted", "Submitted", or "Nothing to do" for an item already closed).

After a suspend and resume Prefect runs this function again from the top, so everything before
the wait only reads. On that rerun the earlier attempts are known to have been refused (the run
waited again after each), so it goes straight to the latest attempt's input.

A resumed run is a new process that imports this module before it does its 0.2 s of work (the
owner waits on that: bench/owner_latency.py), so the module imports only what every run needs; the
flows a completion may start (the next phase, a nonconformity's next step) are imported when it does.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Literal

import pydantic
from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.input import RunInput
from prefect.states import Completed, State

from flows.progress import publish_progress
from flows.report import gate_lines, publish
from flows.waiting import NOT_ACCEPTED, wait_for_form
from tasks import owner, phases, programs
from tasks.owner import OwnerTask

ATTEMPT = re.compile(r"attempt-(\d+)")
ANSWERS = ("code", "note", "files", "evidence", "assessment", "approve", "effective")
KIND_NAMES = {"clause_assessment": "ClauseAssessment", "approval": "Approval", "evidence": "Evidence",
              "record": "Record", "document": "Document", "impact_assessment": "ImpactAssessment",
              "corrective_action": "CorrectiveAction", "review_action": "ReviewAction"}


def _shape(required: tuple[str, ...], choices: tuple[str, ...], schema: dict[str, Any]) -> None:
    """The form's schema as the UI should show it: required fields required even when pre-filled (they then carry
    a default), and the inbox files as a choice list (an enum, also when only one file is there)."""
    schema["required"] = [*schema.get("required", []), *(n for n in required if n not in schema.get("required", []))]
    if "files" in schema.get("properties", {}):
        schema["properties"]["files"]["items"] = {"type": "string", "enum": list(choices)}


def form_model(task: OwnerTask, previous: dict[str, Any] | None = None) -> type[RunInput]:
    """The RunInput the Prefect UI turns into the owner's form, for this item's kind; `previous` pre-fills it."""
    spec = task.spec
    fields: dict[str, Any] = {
        "code": (str, pydantic.Field(title="Completion code", description="The one-time code from your assignment "
                                     "notice, e.g. ABCD-EFGH: it makes this completion yours.")),
    }
    required = ["code"]
    if spec.asks_assessment:
        fields["assessment"] = (Literal["conforms", "partial", "gap"], pydantic.Field(
            title="Assessment", description="Current practice against the clause."))
        required.append("assessment")
    if spec.asks_decision:
        fields["approve"] = (bool, pydantic.Field(title="Approve", description="On to approve; off to decline "
                                                  "(say why in the note)."))
        required.append("approve")
    if task.loop_step == "verify":
        fields["effective"] = (bool, pydantic.Field(title="Effective", description="On if the corrective action "
                                                    "was effective; off sends the loop back to root-cause analysis."))
        required.append("effective")
    if task.needs_note:
        fields["note"] = (str, pydantic.Field(title="Note", min_length=1, description="What was done, and why."))
        required.append("note")
    else:
        when = {"approval": " Required when you do not approve.",
                "record": " Required when no record is attached."}.get(spec.kind, "")
        fields["note"] = (str, pydantic.Field("", title="Note", description="What was done, or why." + when))
    if spec.accepts_evidence:
        if spec.inbox_files:
            offered: Any = Literal.__getitem__(spec.inbox_files)  # a dropdown of the files there now
            fields["files"] = (list[offered], pydantic.Field(
                default_factory=list, title="Evidence from the inbox",
                description="Files dropped into the evidence inbox; choose one or more."))
        fields["evidence"] = (list[str], pydantic.Field(
            default_factory=list, title="Evidence links or hashes", description="An https:// link, or the SHA-256 "
            "(12 characters or more) of evidence this program already has; one per entry."))
    name = KIND_NAMES.get(spec.kind, "Work") + "Form"
    base = type(f"{name}Base", (RunInput,), {"__module__": __name__, "model_config": pydantic.ConfigDict(
        json_schema_extra=partial(_shape, tuple(required), spec.inbox_files))})
    model: type[RunInput] = pydantic.create_model(name, __base__=base, **fields)
    kept = {k: v for k, v in (previous or {}).items() if k in fields and k != "code" and v is not None}
    if "files" in kept:
        kept["files"] = [f for f in kept["files"] if f in spec.inbox_files]
    return model.with_initial_data(description=spec.description, **kept)


def _attempts_so_far(flow_run_id: Any) -> int:
    """The highest attempt whose pause key this run has used (0 on its first start)."""
    with get_client(sync_client=True) as client:
        keys = client.read_flow_run(flow_run_id).empirical_policy.pause_keys or set()
    numbers = [int(m.group(1)) for k in keys if (m := ATTEMPT.fullmatch(str(k)))]
    return max(numbers, default=0)


def _answers(submitted: dict[str, Any]) -> dict[str, Any]:
    """The form's answers the service takes (the code always, so that a missing one is refused, not a crash)."""
    return {"code": "", **{k: submitted[k] for k in ANSWERS if submitted.get(k) is not None}}


@flow(name="owner-task")
def owner_task(item: str, poll_seconds: float = 5.0, pause_timeout: int = 3600) -> State[dict[str, Any]]:
    """Wait for the item's owner to complete it in the form; refused input waits again, "Not accepted", saying why."""
    context = FlowRunContext.get()
    assert context is not None and context.flow_run is not None
    run = context.flow_run
    suspend = run.deployment_id is not None  # suspend needs a deployment; in process the run pauses
    attempt = max(_attempts_so_far(run.id) if suspend else 0, 1)
    problem: str | None = None
    previous: dict[str, Any] = {}
    while True:
        task = owner.describe_owner_task(item, problem)
        if not task.active:
            publish(f"owner-task: {item}", [f"{item} is **{task.state}**: nothing to complete here."])
            return Completed(name="Nothing to do", data={"item": item, "outcome": "nothing-to-do",
                                                         "state": task.state, "attempts": attempt - 1})
        answers = _answers(wait_for_form(form_model(task, previous), key=f"attempt-{attempt}", suspend=suspend,
                                         name=NOT_ACCEPTED if problem else None,
                                         timeout=None if suspend else pause_timeout, poll_seconds=poll_seconds))
        outcome = owner.submit_owner_form(item, answers)
        if outcome["outcome"] == "refused":
            problem = outcome["problem"]
        elif outcome["outcome"] == "declined":
            problem = (f"you did not approve it: {outcome['reason']}. The item stays open; when it is ready, "
                       "approve it here with the same code.")
        else:
            break
        get_run_logger().warning("%s: %s", NOT_ACCEPTED, problem)
        previous = answers
        attempt += 1
    result = _finish(task, outcome, attempt)
    return Completed(name=str(result["outcome"]).capitalize(), data=result)


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
