"""What an owner-task run needs: the item's form and state, and one submission of its form.

A submission is one unit of work: a completion (with its code), a corrective-action step
(completion and the nonconformity's next step together), or an approval that top management
declines. Any refusal raises and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from aimsflow import completion_codes
from aimsflow.errors import InvalidInput, Refused
from aimsflow.forms import FormSpec
from aimsflow.services import nonconformities
from aimsflow.services.completion import complete_with_code
from aimsflow.services.lookup import get_by_ref, person_name, ref
from aimsflow.services.work import form_for
from aimsflow.uow import UnitOfWork
from models import Event, Program, WorkItem
from states.work_item import ACTIVE, WorkItemState

LOOP_PREFIX = "nc:"  # keys of corrective-action step items: nc:<nc id>:<round>:<trigger>
NEEDS_NOTE = {"correct": "correction", "analyse": "root cause", "plan": "planned action", "resolve": "resolution"}


@dataclass(frozen=True)
class OwnerTask:
    item: str
    program: str
    state: str
    active: bool
    assignee: str | None
    spec: FormSpec
    loop_step: str | None  # the nonconformity trigger a corrective-action step item fires
    nonconformity: str | None
    needs_note: bool = False  # the note is required (an assessment, a corrective-action step that describes)


def note_required(kind: str, loop_step: str | None) -> bool:
    """Whether a completion of this kind (or corrective-action step) is refused without a note."""
    return kind == "clause_assessment" or loop_step in NEEDS_NOTE


def loop_step_of(item: WorkItem) -> tuple[str, str] | None:
    """(NC-<id>, trigger) for a corrective-action step item, else None."""
    if item.kind != "corrective_action" or not item.key.startswith(LOOP_PREFIX):
        return None
    parts = item.key.split(":")
    if len(parts) != 4 or not parts[1].isdigit():
        return None
    return f"NC-{parts[1]}", parts[3]


def describe_owner_task(uow: UnitOfWork, item_ref: str, problem: str | None = None) -> OwnerTask:
    """The item's form (with `problem` at the top), its state, and the loop step it completes."""
    item = get_by_ref(uow.session, item_ref, WorkItem)
    program = uow.session.get_one(Program, item.program_id)
    step = loop_step_of(item)
    if problem is None and item.state == WorkItemState.REJECTED:
        problem = last_rejection(uow, item)
    return OwnerTask(item=ref(item), program=program.key, state=item.state,
                     active=item.state in {s.value for s in ACTIVE},
                     assignee=person_name(uow.session, item.assignee_id), spec=form_for(uow, item_ref, problem),
                     loop_step=step[1] if step else None, nonconformity=step[0] if step else None,
                     needs_note=note_required(item.kind, step[1] if step else None))


def last_rejection(uow: UnitOfWork, item: WorkItem) -> str | None:
    """Who rejected the item last and why, as the owner's form says it on top; None if never rejected."""
    event = uow.session.exec(select(Event).where(
        Event.program_id == item.program_id, Event.row_ref == ref(item), Event.trigger == "reject"
    ).order_by(col(Event.seq).desc()).limit(1)).first()
    if event is None:
        return None
    return f"{event.actor} rejected it: {event.payload.get('reason') or 'no reason given'}. Change it and submit again."


def submit_owner_form(uow: UnitOfWork, item_ref: str, *, code: str, note: str = "", evidence: list[str] | None = None,
                      assessment: str | None = None, approve: bool | None = None,
                      effective: bool | None = None, files: list[str] | None = None) -> dict[str, Any]:
    """Complete an item from its owner form; an approval not given is recorded and the item stays open.

    A completion's "inbox_files" are the evidence inbox's files it took: claim them after the commit.
    """
    item = get_by_ref(uow.session, item_ref, WorkItem)
    program = uow.session.get_one(Program, item.program_id)
    note = (note or "").strip()
    if item.kind == "approval" and approve is False:
        return decline_approval(uow, item, program, code=code, note=note)
    step = loop_step_of(item)
    if step is not None and step[1] == "verify" and effective is None:
        raise InvalidInput(f"{ref(item)} verifies a corrective action: say whether it was effective",
                           field="effective")
    if step is not None and step[1] in NEEDS_NOTE and not note:
        raise InvalidInput(f"{ref(item)}: describe the {NEEDS_NOTE[step[1]]} in the note", field="note")
    who = person_name(uow.session, item.assignee_id)
    result = complete_with_code(uow, item_ref, code=code, evidence=evidence or [], note=note or None,
                                assessment=assessment or None, files=files or [])
    outcome: dict[str, Any] = {"outcome": result["state"], "item": result, "program": program.key,
                               "inbox_files": result.pop("inbox_files")}
    if step is not None:
        assert who is not None  # complete_with_code refuses an unassigned item
        nc_view = nonconformities.advance_nonconformity(
            uow, step[0], step[1], by=who, note=note or None, effective=effective if step[1] == "verify" else None)
        outcome["nonconformity"] = {"id": nc_view["id"], "state": nc_view["state"], "round": nc_view["round"]}
    return outcome


def decline_approval(uow: UnitOfWork, item: WorkItem, program: Program, *, code: str, note: str) -> dict[str, Any]:
    """Top management does not approve: the reason is recorded, the item stays open, the code stays valid."""
    rid = ref(item)
    if item.state not in {s.value for s in ACTIVE}:
        raise Refused(f"{rid} is {item.state}: there is nothing to approve or decline", state=item.state)
    if item.assignee_id is None or not completion_codes.matches(code, item.completion_code_hash):
        raise Refused(f"{rid}: the completion code is not right for this item (use the code from your "
                      "assignment notice)", state=item.state, field="code")
    if not note:
        raise InvalidInput(f"{rid}: not approved: say why in the note", field="note")
    who = person_name(uow.session, item.assignee_id) or "top management"
    uow.record(program, actor=who, lifecycle="work_item", row_ref=rid, trigger="decline",
               payload={"reason": note})
    return {"outcome": "declined", "reason": note, "by": who, "program": program.key,
            "item": {"id": rid, "state": item.state}}
