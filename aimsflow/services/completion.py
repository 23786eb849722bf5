"""Completing work: the assignee submits, someone else reviews where needed, and what it records."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlmodel import select

from aimsflow import completion_codes, evidence_store
from aimsflow.errors import InvalidInput, Refused
from aimsflow.evidence_store import StoredFile
from aimsflow.rules.assignment import may_hold
from aimsflow.rules.deliverables import Kind
from aimsflow.rules.registry import check_for
from aimsflow.rules.segregation import ReviewFacts, needs_independent_review
from aimsflow.services.aggregates import Actor, StepProgram, WorkItemAggregate, load_work_item, save_work_item
from aimsflow.services.entered_by import entered
from aimsflow.services.evidence import evidence_review
from aimsflow.services.handed_in import link_to_item, store_form_evidence, unclaimed_submission
from aimsflow.services.lookup import get_by_ref, parse_ref, people_with_role, person_name, ref, role_names
from aimsflow.services.notifications import notify_assignment
from aimsflow.services.work import item_view
from aimsflow.uow import UnitOfWork
from models import (
    AISystem,
    ClauseAssessment,
    Evidence,
    EvidenceLink,
    ImpactAssessment,
    Person,
    Program,
    WorkItem,
)
from states.evidence import EVIDENCE, EvidenceState
from states.impact_assessment import IMPACT_ASSESSMENT
from states.work_item import ACTIVE, WORK_ITEM, WorkItemState

RATINGS = ("conforms", "partial", "gap")


def _rating(assessment: str | None, note: str | None) -> str | None:
    if assessment:
        return assessment.strip().lower()
    match = re.match(r"\s*(conforms|partial|gap)\b", note or "", flags=re.IGNORECASE)
    return match.group(1).lower() if match else None


def complete_work(uow: UnitOfWork, item_ref: str, *, by: str, evidence: list[str] | None = None,
                  note: str | None = None, assessment: str | None = None, actor: str | None = None,
                  stored: Sequence[StoredFile] = (), entered_by: str | None = None) -> dict[str, Any]:
    """The assignee completes an item: submitted, and accepted at once unless someone else must review it.

    `evidence` are paths of files to store; `stored` is content already in the store (from the owner's form).
    `entered_by`: the login of whoever typed it in for the assignee; the trail keeps it beside them.
    """
    item = load_work_item(uow, parse_ref(item_ref, WorkItem), by)
    program, person = item.program, item.actor
    rid = f"WI-{item.id}"
    if item.state not in {s.value for s in ACTIVE}:
        raise Refused(f"{rid} is {item.state}: only open, in-progress, rejected, overdue or escalated work can be "
                      "completed", state=item.state)
    if item.assignee_id is not None and item.assignee_id != person.id:
        raise Refused(f"{rid} is assigned to {person_name(uow.session, item.assignee_id)}: {person.name} cannot "
                      "complete it (reassign it first)", state=item.state)
    files = evidence or []
    note = (note or "").strip() or None
    rating = None
    if item.kind == "clause_assessment":
        rating = _rating(assessment, note)
        if rating not in RATINGS:
            raise InvalidInput(f"{rid} assesses clause {item.subject}: rate it conforms, partial or gap "
                               "(or start the note with one of them)", field="assessment")
        if not note:
            raise InvalidInput(f"{rid} assesses clause {item.subject}: a note explaining the assessment is required",
                               field="note")
    elif assessment:
        raise InvalidInput(f"an assessment applies to clause assessments only; {rid} is a {item.kind} item",
                           field="assessment")
    if item.kind == Kind.APPROVAL and (not_allowed := may_hold(rid, item.kind, person.name,
                                                                 role_names(uow.session, person.id))):
        raise Refused("; ".join(not_allowed), missing=not_allowed, state=item.state)
    if item.kind == "evidence" and not files and not stored:
        raise InvalidInput(f"{rid} asks for evidence of {item.subject}: attach at least one piece of evidence",
                           field="evidence", hint="use_inbox")
    if item.kind == "record" and not files and not stored and not note:
        raise InvalidInput(f"{rid} is a record: attach the record or describe it in the note", field="note")
    # refuses bad files before anything is written; the same content twice is one piece
    pieces = list({s.sha256: s for s in [*stored, *(evidence_store.ingest(path) for path in files)]}.values())

    who = actor or person.name
    item.assignee_id = person.id
    item.note = note if note else item.note
    item.submitted_by_id = person.id
    item.submitted_at = uow.stamp
    item.state = uow.fire(program, WORK_ITEM, item.state, "submit", row_ref=rid, actor=who,
                          payload=entered({"note": note, "evidence": [s.sha256 for s in pieces],
                                           "assessment": rating}, entered_by))
    valid_until = uow.today(program) + relativedelta(months=program.evidence_valid_months)
    also_submitted: set[int] = set()  # who submitted evidence this item links: they do not review it either
    for s in pieces:
        existing = unclaimed_submission(uow, program.id, s.sha256, item.id)
        if existing is not None:
            if link_to_item(uow, existing, item_id=item.id, ref=item.subject):
                uow.record(program, actor=who, lifecycle="evidence", row_ref=f"EV-{existing.id}", trigger="link",
                           payload={"item": rid, "ref": item.subject})
            if existing.submitted_by_id is not None:
                also_submitted.add(existing.submitted_by_id)
            continue
        ev = Evidence(program_id=program.id, sha256=s.sha256, file_name=s.file_name, media_type=s.media_type,
                      size=s.size, refs=[item.subject], collected_at=uow.stamp, valid_until=valid_until,
                      state=EvidenceState.SUBMITTED.value, submitted_by_id=person.id, work_item_id=item.id)
        uow.session.add(ev)
        uow.session.flush()
        uow.session.add(EvidenceLink(program_id=program.id, evidence_id=ev.id, ref=item.subject))  # type: ignore[arg-type]
        uow.record(program, actor=who, lifecycle="evidence", row_ref=f"EV-{ev.id}", trigger="submit",
                   to_state=ev.state, payload=entered({"sha256": s.sha256, "file": s.file_name, "ref": item.subject},
                                                      entered_by))
    if needs_independent_review(item.kind):
        reviewer = _choose_reviewer(uow, program, {person.id, *also_submitted})
        item.reviewer_id = reviewer.id if reviewer else None
        item.review_run_id = item.review_code_hash = None  # a new submission waits in a review run of its own
    else:
        _accept(uow, program, item, person, who, rating=rating, entered_by=entered_by)
    save_work_item(uow, item)
    return item_view(uow, item, uow.today(program), known={person.id: person.name})


def _choose_reviewer(uow: UnitOfWork, program: StepProgram, submitters: set[int]) -> Person | None:
    for role in ("program-manager", "internal-auditor", "top-management"):
        for p in people_with_role(uow.session, uow.session.get_one(Program, program.id), role):
            if p.id not in submitters:
                return p
    return None


def _accept(uow: UnitOfWork, program: StepProgram, item: WorkItemAggregate, decider: Actor, who: str,
            rating: str | None = None, entered_by: str | None = None) -> None:
    rid = f"WI-{item.id}"
    check = check_for(WORK_ITEM, ReviewFacts(rid, item.kind, item.submitted_by_id, decider.id, decider.name))
    item.decided_by_id = decider.id
    item.completed_at = uow.stamp
    item.state = uow.fire(program, WORK_ITEM, item.state, "accept", row_ref=rid, actor=who, check=check,
                          payload=entered({}, entered_by) or None)
    _apply(uow, program, item, decider, who, rating, entered_by)


def _apply(uow: UnitOfWork, program: StepProgram, item: WorkItemAggregate, decider: Actor, who: str,
           rating: str | None, entered_by: str | None) -> None:
    """What an accepted item records beyond itself."""
    today = uow.today(program)
    if item.kind == "clause_assessment":
        row = uow.session.exec(select(ClauseAssessment).where(
            ClauseAssessment.program_id == program.id, ClauseAssessment.clause_id == item.subject)).first()
        row = row or ClauseAssessment(program_id=program.id, clause_id=item.subject, rating="", note="")
        row.rating, row.note = rating or "", item.note or ""
        row.assessed_by_id, row.assessed_at = item.submitted_by_id, uow.stamp
        uow.session.add(row)
    elif item.key == "scope":
        row_of_program = uow.session.get_one(Program, program.id)
        row_of_program.scope_statement = item.note or row_of_program.scope
        uow.session.add(row_of_program)
    elif item.kind == "impact_assessment":
        system = uow.session.exec(select(AISystem).where(
            AISystem.program_id == program.id, AISystem.name == item.subject)).one()
        ia = uow.session.exec(select(ImpactAssessment).where(ImpactAssessment.system_id == system.id)).first()
        if ia is None:
            ia = ImpactAssessment(program_id=program.id, system_id=system.id)  # type: ignore[arg-type]
            uow.session.add(ia)
            uow.session.flush()
        ia.assessed_on, ia.assessed_by_id, ia.summary, ia.stale_reason = today, item.submitted_by_id, item.note, None
        ia.next_due = today + relativedelta(months=program.impact_assessment_interval_months)
        uow.transition(program, IMPACT_ASSESSMENT, ia, "complete", row_ref=f"IA-{system.name}", actor=who)
    elif item.kind == "evidence":
        for ev in uow.session.exec(select(Evidence).where(
                Evidence.work_item_id == item.id, Evidence.state == EvidenceState.SUBMITTED)):
            ev.reviewed_by_id = decider.id
            uow.transition(program, EVIDENCE, ev, "accept", row_ref=f"EV-{ev.id}", actor=who,
                           check=evidence_review(ev, decider.id, decider.name), payload=entered({}, entered_by) or None)


def review_work(uow: UnitOfWork, item_ref: str, *, by: str, accept: bool, reason: str | None = None,
                entered_by: str | None = None) -> dict[str, Any]:
    """Someone other than the submitter accepts or rejects submitted work (and its evidence).

    `entered_by`: the login of whoever typed the decision in for the reviewer; the trail keeps it beside them.
    """
    item = load_work_item(uow, parse_ref(item_ref, WorkItem), by)
    program, person = item.program, item.actor
    rid = f"WI-{item.id}"
    if item.state != WorkItemState.SUBMITTED:
        raise Refused(f"{rid} is {item.state}: only submitted work can be accepted or rejected", state=item.state)
    if accept:
        _accept(uow, program, item, person, person.name, entered_by=entered_by)
    else:
        if not (reason or "").strip():
            raise InvalidInput(f"{rid}: say why the work is rejected", field="reason")
        item.decided_by_id = person.id
        item.state = uow.fire(program, WORK_ITEM, item.state, "reject", row_ref=rid, actor=person.name,
                              check=check_for(WORK_ITEM, ReviewFacts(rid, item.kind, item.submitted_by_id, person.id,
                                                                     person.name)),
                              payload=entered({"reason": reason}, entered_by))
        for ev in uow.session.exec(select(Evidence).where(
                Evidence.work_item_id == item.id, Evidence.state == EvidenceState.SUBMITTED)):
            ev.reviewed_by_id, ev.review_note = person.id, reason
            uow.transition(program, EVIDENCE, ev, "reject", row_ref=f"EV-{ev.id}", actor=person.name,
                           check=evidence_review(ev, person.id, person.name), payload=entered({}, entered_by) or None)
        item.owner_run_id = None  # the owner's run ended at "submitted": a new one opens with the reason on top
    item.review_code_hash = None  # decided: the reviewer's code stops working
    save_work_item(uow, item)
    if not accept and item.assignee_id is not None:  # the owner gets the item back, with a new code
        notify_assignment(uow, uow.session.get_one(Program, program.id), uow.session.get_one(WorkItem, item.id),
                          uow.session.get(Person, item.assignee_id), occasion=f"rejected-v{item.version}")
    return item_view(uow, item, uow.today(program), known={person.id: person.name})


def complete_with_code(uow: UnitOfWork, item_ref: str, *, code: str, evidence: list[str] | None = None,
                       note: str | None = None, assessment: str | None = None,
                       files: list[str] | None = None) -> dict[str, Any]:
    """Complete an item as its assignee, proven by their one-time code (the Prefect UI has no users).

    Evidence as the owner's form gives it: `files` are names in the evidence inbox, `evidence` https:// links
    or hashes of the program's evidence (see aimsflow.services.handed_in). The result's "inbox_files" are to
    be claimed once this unit of work has committed.
    """
    item = get_by_ref(uow.session, item_ref, WorkItem)
    assignee = _proven_by_code(uow, item, item.assignee_id, item.completion_code_hash, code,
                               "completion code", "assignment notice")
    handed = store_form_evidence(uow, item.program_id, files=files or [], refs=evidence or [])
    result = complete_work(uow, item_ref, by=assignee, note=note, assessment=assessment, stored=handed.stored)
    item.completion_code_hash = None  # used once
    uow.session.add(item)
    return {**result, "inbox_files": handed.inbox_files}


def review_with_code(uow: UnitOfWork, item_ref: str, *, code: str, accept: bool,
                     reason: str | None = None) -> dict[str, Any]:
    """Accept or reject submitted work as its reviewer, proven by their one-time review code."""
    item = get_by_ref(uow.session, item_ref, WorkItem)
    reviewer = _proven_by_code(uow, item, item.reviewer_id, item.review_code_hash, code, "review code",
                               "review notice")
    return review_work(uow, item_ref, by=reviewer, accept=accept, reason=reason)  # it clears the code


def _proven_by_code(uow: UnitOfWork, item: WorkItem, person_id: int | None, code_hash: str | None, code: str,
                    what: str, notice: str) -> str:
    """The name of the person a one-time code is for, once `code` proves it is them (the UI has no users)."""
    if person_id is None or not completion_codes.matches(code, code_hash):
        raise Refused(f"{ref(item)}: the {what} is not right for this item (use the code from your {notice}; "
                      "each code works once)", state=item.state, field="code")
    name = person_name(uow.session, person_id)
    assert name is not None
    return name
