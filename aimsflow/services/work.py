"""Work items: opening them with an owner and a due date, listing, completing and reviewing them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlmodel import col, func, select

from aimsflow import evidence_store
from aimsflow.errors import InvalidInput, Refused
from aimsflow.services.lookup import find_person, get_by_ref, people_with_role, person_name, ref, roles_of
from aimsflow.services.notifications import notify_assignment
from aimsflow.uow import UnitOfWork
from models import AISystem, ClauseAssessment, Evidence, EvidenceLink, ImpactAssessment, Person, Program, WorkItem
from states.evidence import EVIDENCE, EvidenceState
from states.impact_assessment import IMPACT_ASSESSMENT
from states.work_item import ACTIVE, WORK_ITEM, WorkItemState

RATINGS = ("conforms", "partial", "gap")
NEEDS_REVIEW = {"evidence"}  # evidence is accepted by someone other than the person who supplied it


def _least_loaded(uow: UnitOfWork, people: list[Person]) -> Person | None:
    if not people:
        return None
    ids = [p.id for p in people]
    loads = dict(uow.session.exec(
        select(WorkItem.assignee_id, func.count()).where(
            col(WorkItem.assignee_id).in_(ids), col(WorkItem.state).in_([s.value for s in ACTIVE])
        ).group_by(col(WorkItem.assignee_id))
    ).all())
    return min(people, key=lambda p: (loads.get(p.id, 0), p.id))


def choose_assignee(uow: UnitOfWork, program: Program, kind: str, subject: str, role: str) -> Person | None:
    """The system's owner for its impact assessment; otherwise the least-loaded person in the role."""
    if kind == "impact_assessment":
        system = uow.session.exec(select(AISystem).where(
            AISystem.program_id == program.id, AISystem.name == subject)).first()
        if system and system.owner_id:
            return uow.session.get(Person, system.owner_id)
    return _least_loaded(uow, people_with_role(uow.session, program, role))


def open_item(uow: UnitOfWork, program: Program, *, key: str, kind: str, subject: str, title: str, role: str,
              due: date, phase: str | None, actor: str, assignee: Person | None = None) -> str | None:
    """Open a work item unless its key exists; returns its id, or None when it already existed."""
    if uow.session.exec(select(WorkItem.id).where(WorkItem.program_id == program.id, WorkItem.key == key)).first():
        return None
    person = assignee or choose_assignee(uow, program, kind, subject, role)
    item = WorkItem(program_id=program.id, key=key, kind=kind, subject=subject, title=title,  # type: ignore[arg-type]
                    phase=phase, role=role, assignee_id=person.id if person else None, due_date=due,
                    created_at=uow.stamp)
    uow.session.add(item)
    uow.session.flush()
    uow.record(program, actor=actor, lifecycle="work_item", row_ref=ref(item), trigger="open",
               to_state=item.state, payload={"key": key, "title": title, "assignee": person.name if person else None,
                                             "due": due.isoformat()})
    notify_assignment(uow, program, item, person)
    return ref(item)


def assign_open_items(uow: UnitOfWork, program: Program, person: Person, roles: set[str], *, actor: str) -> list[str]:
    """Give a newly added person the unassigned items that wait for one of their roles."""
    assigned = []
    for item in uow.session.exec(select(WorkItem).where(
            WorkItem.program_id == program.id, WorkItem.assignee_id == None,  # noqa: E711
            col(WorkItem.state).in_([s.value for s in ACTIVE])).order_by(col(WorkItem.id))):
        if item.role in roles:
            item.assignee_id = person.id
            uow.session.add(item)
            uow.record(program, actor=actor, lifecycle="work_item", row_ref=ref(item), trigger="assign",
                       payload={"assignee": person.name})
            notify_assignment(uow, program, item, person)
            assigned.append(ref(item))
    return assigned


def item_view(uow: UnitOfWork, item: WorkItem, today: date) -> dict[str, Any]:
    active = item.state in {s.value for s in ACTIVE}
    return {
        "id": ref(item), "key": item.key, "kind": item.kind, "subject": item.subject, "title": item.title,
        "phase": item.phase, "assignee": person_name(uow.session, item.assignee_id),
        "reviewer": person_name(uow.session, item.reviewer_id), "due": item.due_date.isoformat(),
        "state": item.state, "late": active and item.due_date < today,
    }


def list_work(uow: UnitOfWork, program: Program, *, owner: str | None = None,
              state: str | None = None) -> list[dict[str, Any]]:
    query = select(WorkItem).where(WorkItem.program_id == program.id)
    if owner:
        person = find_person(uow.session, program, owner, "--owner")
        query = query.where(WorkItem.assignee_id == person.id)
    if state:
        states = [s.value for s in WorkItemState]
        if state not in states:
            raise InvalidInput(f"--state: '{state}' is not a work item state ({', '.join(states)})")
        query = query.where(WorkItem.state == state)
    today = uow.today(program)
    rows = uow.session.exec(query.order_by(col(WorkItem.due_date), col(WorkItem.id)))
    return [item_view(uow, i, today) for i in rows]


def _rating(assessment: str | None, note: str | None) -> str | None:
    if assessment:
        return assessment.strip().lower()
    match = re.match(r"\s*(conforms|partial|gap)\b", note or "", flags=re.IGNORECASE)
    return match.group(1).lower() if match else None


def complete_work(uow: UnitOfWork, item_ref: str, *, by: str, evidence: list[str] | None = None,
                  note: str | None = None, assessment: str | None = None, actor: str | None = None) -> dict[str, Any]:
    """The assignee completes an item: submitted, and accepted at once unless someone else must review it."""
    item = get_by_ref(uow.session, item_ref, WorkItem)
    program = uow.session.get_one(Program, item.program_id)
    person = find_person(uow.session, program, by, "--by")
    rid = ref(item)
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
            raise InvalidInput(f"{rid} assesses clause {item.subject}: give --assessment conforms|partial|gap "
                               "(or start the note with one of them)")
        if not note:
            raise InvalidInput(f"{rid} assesses clause {item.subject}: a --note explaining the assessment is required")
    elif assessment:
        raise InvalidInput(f"--assessment applies to clause assessments only; {rid} is a {item.kind} item")
    if item.kind == "approval" and "top-management" not in roles_of(uow.session, person):
        raise Refused(f"{rid} is an approval: {person.name} is not top management", state=item.state)
    if item.kind == "evidence" and not files:
        raise InvalidInput(f"{rid} asks for evidence of {item.subject}: attach at least one --evidence FILE")
    if item.kind == "record" and not files and not note:
        raise InvalidInput(f"{rid} is a record: attach the record with --evidence FILE or describe it with --note")
    stored = [evidence_store.ingest(path) for path in files]  # refuses bad files before anything is written

    who = actor or person.name
    item.assignee_id = person.id
    item.note = note if note else item.note
    item.submitted_by_id = person.id
    item.submitted_at = uow.stamp
    uow.transition(program, WORK_ITEM, item, "submit", row_ref=rid, actor=who,
                   payload={"note": note, "evidence": [s.sha256 for s in stored], "assessment": rating})
    valid_until = uow.today(program) + relativedelta(months=program.evidence_valid_months)
    for s in stored:
        ev = Evidence(program_id=program.id, sha256=s.sha256, file_name=s.file_name, media_type=s.media_type,  # type: ignore[arg-type]
                      size=s.size, refs=[item.subject], collected_at=uow.stamp, valid_until=valid_until,
                      state=EvidenceState.SUBMITTED.value, submitted_by_id=person.id, work_item_id=item.id)
        uow.session.add(ev)
        uow.session.flush()
        uow.session.add(EvidenceLink(program_id=program.id, evidence_id=ev.id, ref=item.subject))  # type: ignore[arg-type]
        uow.record(program, actor=who, lifecycle="evidence", row_ref=f"EV-{ev.id}", trigger="submit",
                   to_state=ev.state, payload={"sha256": s.sha256, "file": s.file_name, "ref": item.subject})
    if item.kind in NEEDS_REVIEW:
        reviewer = _choose_reviewer(uow, program, person)
        item.reviewer_id = reviewer.id if reviewer else None
        uow.session.add(item)
    else:
        _accept(uow, program, item, person, who, rating=rating)
    return item_view(uow, item, uow.today(program))


def _choose_reviewer(uow: UnitOfWork, program: Program, submitter: Person) -> Person | None:
    for role in ("program-manager", "internal-auditor", "top-management"):
        for p in people_with_role(uow.session, program, role):
            if p.id != submitter.id:
                return p
    return None


def _accept(uow: UnitOfWork, program: Program, item: WorkItem, decider: Person, who: str,
            rating: str | None = None) -> None:
    rid = ref(item)
    needs_review = item.kind in NEEDS_REVIEW

    def check(guard: str) -> list[str]:
        if needs_review and decider.id == item.submitted_by_id:
            return [f"{decider.name} supplied this evidence and cannot accept it"]
        return []

    item.decided_by_id = decider.id
    item.completed_at = uow.stamp
    uow.transition(program, WORK_ITEM, item, "accept", row_ref=rid, actor=who, check=check)
    _apply(uow, program, item, decider, who, rating)


def _apply(uow: UnitOfWork, program: Program, item: WorkItem, decider: Person, who: str, rating: str | None) -> None:
    """What an accepted item records beyond itself."""
    today = uow.today(program)
    if item.kind == "clause_assessment":
        row = uow.session.exec(select(ClauseAssessment).where(
            ClauseAssessment.program_id == program.id, ClauseAssessment.clause_id == item.subject)).first()
        row = row or ClauseAssessment(program_id=program.id, clause_id=item.subject, rating="", note="")  # type: ignore[arg-type]
        row.rating, row.note = rating or "", item.note or ""
        row.assessed_by_id, row.assessed_at = item.submitted_by_id, uow.stamp
        uow.session.add(row)
    elif item.key == "scope":
        program.scope_statement = item.note or program.scope
        uow.session.add(program)
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
            own = ev.submitted_by_id == decider.id
            uow.transition(program, EVIDENCE, ev, "accept", row_ref=f"EV-{ev.id}", actor=who,
                           check=_fixed([f"{decider.name} cannot accept their own evidence"] if own else []))


def _fixed(missing: list[str]) -> Callable[[str], list[str]]:
    """A guard check whose answer is already known."""
    return lambda _guard: missing


def review_work(uow: UnitOfWork, item_ref: str, *, by: str, accept: bool, reason: str | None = None) -> dict[str, Any]:
    """Someone other than the submitter accepts or rejects submitted work (and its evidence)."""
    item = get_by_ref(uow.session, item_ref, WorkItem)
    program = uow.session.get_one(Program, item.program_id)
    person = find_person(uow.session, program, by, "--by")
    rid = ref(item)
    if item.state != WorkItemState.SUBMITTED:
        raise Refused(f"{rid} is {item.state}: only submitted work can be accepted or rejected", state=item.state)
    if person.id == item.submitted_by_id:
        raise Refused(f"{rid}: {person.name} submitted this work and cannot review it (nobody accepts their own "
                      "evidence)", state=item.state)
    if accept:
        _accept(uow, program, item, person, person.name)
    else:
        if not (reason or "").strip():
            raise InvalidInput("--reason: say why the work is rejected")
        item.decided_by_id = person.id
        uow.transition(program, WORK_ITEM, item, "reject", row_ref=rid, actor=person.name,
                       check=lambda _g: [], payload={"reason": reason})
        for ev in uow.session.exec(select(Evidence).where(
                Evidence.work_item_id == item.id, Evidence.state == EvidenceState.SUBMITTED)):
            ev.reviewed_by_id, ev.review_note = person.id, reason
            uow.transition(program, EVIDENCE, ev, "reject", row_ref=f"EV-{ev.id}", actor=person.name,
                           check=lambda _g: [])
    return item_view(uow, item, uow.today(program))


def reassign_work(uow: UnitOfWork, item_ref: str, *, to: str, actor: str) -> dict[str, Any]:
    item = get_by_ref(uow.session, item_ref, WorkItem)
    program = uow.session.get_one(Program, item.program_id)
    person = find_person(uow.session, program, to, "--to")
    if item.state not in {s.value for s in ACTIVE}:
        raise Refused(f"{ref(item)} is {item.state}: only active work can be reassigned", state=item.state)
    before = person_name(uow.session, item.assignee_id)
    item.assignee_id = person.id
    item.completion_code_hash = None  # the previous assignee's code stops working
    uow.session.add(item)
    uow.session.flush()
    uow.record(program, actor=actor, lifecycle="work_item", row_ref=ref(item), trigger="assign",
               payload={"from": before, "to": person.name})
    notify_assignment(uow, program, item, person)
    return item_view(uow, item, uow.today(program))
