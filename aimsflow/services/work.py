"""Work items: opening them with an owner and a due date, listing, completing and reviewing them."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlmodel import col, func, select

from aimsflow.errors import InvalidInput, Refused
from aimsflow.forms import FormSpec, form_spec
from aimsflow.rules.assignment import may_hold
from aimsflow.services.lookup import find_person, get_by_ref, people_with_role, person_name, ref, roles_of
from aimsflow.services.notifications import notify_assignment
from aimsflow.uow import UnitOfWork
from models import AISystem, Person, Program, WorkItem
from states.work_item import ACTIVE, WorkItemState


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


class ShownItem(Protocol):
    """The columns the item view shows: a WorkItem row, or the aggregate a completion step loaded."""

    @property
    def id(self) -> int | None: ...
    @property
    def key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def phase(self) -> str | None: ...
    @property
    def state(self) -> str: ...
    @property
    def due_date(self) -> date: ...
    @property
    def assignee_id(self) -> int | None: ...
    @property
    def reviewer_id(self) -> int | None: ...


def item_view(uow: UnitOfWork, item: ShownItem, today: date,
              known: dict[int, str] | None = None) -> dict[str, Any]:
    """An item as the CLI shows it; `known` names people the caller has already read (no lookup)."""
    active = item.state in {s.value for s in ACTIVE}
    names = known or {}

    def name(person_id: int | None) -> str | None:
        return names[person_id] if person_id in names else person_name(uow.session, person_id)

    return {
        "id": f"WI-{item.id}", "key": item.key, "kind": item.kind, "subject": item.subject, "title": item.title,
        "phase": item.phase, "assignee": name(item.assignee_id),
        "reviewer": name(item.reviewer_id), "due": item.due_date.isoformat(),
        "state": item.state, "late": active and item.due_date < today,
    }


def list_work(uow: UnitOfWork, program: Program, *, owner: str | None = None,
              state: str | None = None) -> list[dict[str, Any]]:
    """The program's work items by due date, optionally one owner's or in one state."""
    query = select(WorkItem).where(WorkItem.program_id == program.id)
    if owner:
        person = find_person(uow.session, program, owner, "owner")
        query = query.where(WorkItem.assignee_id == person.id)
    if state:
        states = [s.value for s in WorkItemState]
        if state not in states:
            raise InvalidInput(f"'{state}' is not a work item state ({', '.join(states)})", field="state")
        query = query.where(WorkItem.state == state)
    today = uow.today(program)
    rows = uow.session.exec(query.order_by(col(WorkItem.due_date), col(WorkItem.id)))
    return [item_view(uow, i, today) for i in rows]


def reassign_work(uow: UnitOfWork, item_ref: str, *, to: str, actor: str) -> dict[str, Any]:
    """Give an active item to another person; the previous assignee's completion code stops working."""
    item = get_by_ref(uow.session, item_ref, WorkItem)
    program = uow.session.get_one(Program, item.program_id)
    person = find_person(uow.session, program, to, "to")
    if item.state not in {s.value for s in ACTIVE}:
        raise Refused(f"{ref(item)} is {item.state}: only active work can be reassigned", state=item.state)
    if not_allowed := may_hold(ref(item), item.kind, person.name, roles_of(uow.session, person)):
        raise Refused("; ".join(not_allowed), missing=not_allowed, state=item.state, field="to")
    before = person_name(uow.session, item.assignee_id)
    item.assignee_id = person.id
    item.completion_code_hash = None  # the previous assignee's code stops working
    item.owner_run_id = None  # the old run was named for the old owner; the next sweep starts a new one
    uow.session.add(item)
    uow.session.flush()
    uow.record(program, actor=actor, lifecycle="work_item", row_ref=ref(item), trigger="assign",
               payload={"from": before, "to": person.name})
    notify_assignment(uow, program, item, person)
    return item_view(uow, item, uow.today(program))


def form_for(uow: UnitOfWork, item_ref: str, problem: str | None = None) -> FormSpec:
    """The owner's form for one item (see aimsflow.forms)."""
    item = get_by_ref(uow.session, item_ref, WorkItem)
    program = uow.session.get_one(Program, item.program_id)
    return form_spec(item_id=ref(item), kind=item.kind, title=item.title, subject=item.subject, phase=item.phase,
                     due=item.due_date.isoformat(), assignee=person_name(uow.session, item.assignee_id) or "nobody",
                     program=program.key, problem=problem)


def items_awaiting_owner_run(uow: UnitOfWork, program: Program, *, phase: str | None = None) -> list[str]:
    """Active, assigned items that have no owner-task run yet (so starting a phase twice starts none twice)."""
    query = select(WorkItem.id).where(
        WorkItem.program_id == program.id, col(WorkItem.state).in_([s.value for s in ACTIVE]),
        WorkItem.assignee_id != None, WorkItem.owner_run_id == None)  # noqa: E711
    if phase is not None:
        query = query.where(WorkItem.phase == phase)
    return [f"WI-{i}" for i in uow.session.exec(query.order_by(col(WorkItem.id)))]


def record_owner_run(uow: UnitOfWork, item_ref: str, run_id: str) -> bool:
    """Remember the owner-task run of an item; False if another run was recorded first (it wins)."""
    # Locked before it is read: a deliverer writing the item's completion code at the same moment
    # waits for this transaction (or this one for it) instead of failing it on the version check.
    item = get_by_ref(uow.session, item_ref, WorkItem, for_update=True)
    if item.owner_run_id and item.owner_run_id != run_id:
        return False
    item.owner_run_id = run_id
    uow.session.add(item)
    return True


def owner_run_name(uow: UnitOfWork, item_ref: str) -> tuple[str, list[str]]:
    """The run's name "<program> · <item> · <owner> · due <date>" and its tags."""
    item = get_by_ref(uow.session, item_ref, WorkItem)
    program = uow.session.get_one(Program, item.program_id)
    owner = person_name(uow.session, item.assignee_id) or "unassigned"
    name = f"{program.key} · {ref(item)} · {owner} · due {item.due_date.isoformat()}"
    return name, [f"owner:{owner}", f"program:{program.key}", f"item:{ref(item)}"]
