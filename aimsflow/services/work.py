"""Work items: opening them with an owner and a due date, listing, completing and reviewing them."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlmodel import col, func, select

from aimsflow import evidence_inbox
from aimsflow.errors import InvalidInput, NotFound, Refused
from aimsflow.forms import FormSpec, form_spec
from aimsflow.rules.assignment import function_for, may_hold
from aimsflow.services.lookup import find_person, get_by_ref, people_with_role, person_name, ref, roles_of
from aimsflow.services.notifications import notify_assignment
from aimsflow.uow import UnitOfWork
from models import AISystem, CommitteeSeat, Person, Program, WorkItem
from states.work_item import ACTIVE, WorkItemState


def _least_loaded(uow: UnitOfWork, people: list[Person]) -> Person | None:
    """The person with the fewest active items (ties: the one added first).

    The count reads the database, where the items opened earlier in the same transaction are
    already flushed: opening a whole phase spreads its items across the people, not onto the first.
    """
    if not people:
        return None
    ids = [p.id for p in people]
    loads = dict(uow.session.exec(
        select(WorkItem.assignee_id, func.count()).where(
            col(WorkItem.assignee_id).in_(ids), col(WorkItem.state).in_([s.value for s in ACTIVE])
        ).group_by(col(WorkItem.assignee_id))
    ).all())
    return min(people, key=lambda p: (loads.get(p.id, 0), p.id))


def seats_by_person(uow: UnitOfWork, program: Program) -> dict[int, set[str]]:
    """The committee functions each person of the program holds."""
    seats: dict[int, set[str]] = {}
    for person_id, function in uow.session.exec(select(CommitteeSeat.person_id, CommitteeSeat.function).where(
            CommitteeSeat.program_id == program.id)):
        seats.setdefault(person_id, set()).add(function)
    return seats


def choose_assignee(uow: UnitOfWork, program: Program, kind: str, subject: str, role: str,
                    key: str = "") -> Person | None:
    """Who gets a new item: the system's owner for its impact assessment; otherwise, among the holders of
    its role, those whose committee function fits it (aimsflow.rules.assignment), least loaded first."""
    if kind == "impact_assessment":
        system = uow.session.exec(select(AISystem).where(
            AISystem.program_id == program.id, AISystem.name == subject)).first()
        if system and system.owner_id:
            return uow.session.get(Person, system.owner_id)
    people = people_with_role(uow.session, program, role)
    function = function_for(key=key, subject=subject, role=role)
    if function is not None:
        seats = seats_by_person(uow, program)
        people = [p for p in people if function in seats.get(p.id or 0, set())] or people
    return _least_loaded(uow, people)


def open_item(uow: UnitOfWork, program: Program, *, key: str, kind: str, subject: str, title: str, role: str,
              due: date, phase: str | None, actor: str, assignee: Person | None = None) -> str | None:
    """Open a work item unless its key exists; returns its id, or None when it already existed."""
    if uow.session.exec(select(WorkItem.id).where(WorkItem.program_id == program.id, WorkItem.key == key)).first():
        return None
    person = assignee or choose_assignee(uow, program, kind, subject, role, key)
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


def assign_open_items(uow: UnitOfWork, program: Program, person: Person, roles: set[str], *, actor: str,
                      functions: set[str] | None = None) -> list[str]:
    """Give a newly added person the work of their roles that fits their committee functions.

    They take the unassigned active items of their roles whose function (aimsflow.rules.assignment)
    is theirs, that have none, or whose function no holder of the role has (the role is all that
    fits then). Items of their function that went to someone without it, or that leave its holders
    more than one apart, move to them too, but only while no one has been told: the item is open,
    its code was never mailed and no owner run was started for it.
    """
    functions = functions or set()
    seats = seats_by_person(uow, program)
    seats[person.id or 0] = seats.get(person.id or 0, set()) | functions
    holders = {role: people_with_role(uow.session, program, role) for role in roles}
    held = {role: {f for p in people for f in seats.get(p.id or 0, set())} for role, people in holders.items()}
    items = list(uow.session.exec(select(WorkItem).where(
        WorkItem.program_id == program.id, col(WorkItem.role).in_(roles),
        col(WorkItem.state).in_([s.value for s in ACTIVE])).order_by(col(WorkItem.id))))
    function_of = {item.id: function_for(key=item.key, subject=item.subject, role=item.role) for item in items}
    load: dict[tuple[int, str | None], int] = {}  # (person, function) -> their active items of that function
    for item in items:
        if item.assignee_id is not None:
            load[(item.assignee_id, function_of[item.id])] = load.get((item.assignee_id, function_of[item.id]), 0) + 1
    me = person.id or 0
    assigned = []
    for item in items:
        function = function_of[item.id]
        if function is not None and function not in functions and function in held[item.role]:
            continue  # someone of that function takes it
        current = item.assignee_id
        if current == me:
            continue
        if current is not None:
            untold = (item.state == WorkItemState.OPEN.value and item.completion_code_hash is None
                      and item.owner_run_id is None)
            if function is None or function not in functions or not untold:
                continue
            fallback = function not in seats.get(current, set())
            if not fallback and load.get((current, function), 0) <= load.get((me, function), 0) + 1:
                continue
            load[(current, function)] -= 1
        load[(me, function)] = load.get((me, function), 0) + 1
        before = person_name(uow.session, current)
        item.assignee_id = person.id
        uow.session.add(item)
        uow.record(program, actor=actor, lifecycle="work_item", row_ref=ref(item), trigger="assign",
                   payload={"assignee": person.name, **({"from": before} if before else {})})
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
    return reassign_items(uow, [item_ref], to=to, actor=actor)[0]


def reassign_items(uow: UnitOfWork, item_refs: list[str], *, to: str, actor: str,
                   program_key: str | None = None) -> list[dict[str, Any]]:
    """Give several active items to one person, all or none; each previous assignee's code stops working.

    With `program_key` every item must belong to that program.
    """
    refs = list(dict.fromkeys(r.strip().upper() for r in item_refs))
    if not refs:
        raise InvalidInput("name at least one work item (WI-<n>)", field="item")
    items = [get_by_ref(uow.session, r, WorkItem) for r in refs]
    programs = {item.program_id for item in items}
    if program_key is not None:
        stray = [ref(i) for i in items if uow.session.get_one(Program, i.program_id).key != program_key]
        if stray:
            raise NotFound(f"{', '.join(stray)} not a work item of program {program_key}", field="item",
                           program=program_key)
    if len(programs) > 1:
        raise InvalidInput(f"{', '.join(refs)} belong to different programs: assign them one program at a time",
                           field="item")
    program = uow.session.get_one(Program, items[0].program_id)
    person = find_person(uow.session, program, to, "to")
    inactive = [f"{ref(i)} is {i.state}" for i in items if i.state not in {s.value for s in ACTIVE}]
    if inactive:
        raise Refused(f"{'; '.join(inactive)}: only active work can be reassigned", state=items[0].state)
    roles = roles_of(uow.session, person)
    not_allowed = [line for i in items for line in may_hold(ref(i), i.kind, person.name, roles)]
    if not_allowed:
        raise Refused("; ".join(not_allowed), missing=not_allowed, state=items[0].state, field="to")
    views = []
    for item in items:
        before = person_name(uow.session, item.assignee_id)
        item.assignee_id = person.id
        item.completion_code_hash = None  # the previous assignee's code stops working
        item.owner_run_id = None  # the old run was named for the old owner; the next sweep starts a new one
        uow.session.add(item)
        uow.session.flush()
        uow.record(program, actor=actor, lifecycle="work_item", row_ref=ref(item), trigger="assign",
                   payload={"from": before, "to": person.name})
        notify_assignment(uow, program, item, person)
        views.append(item_view(uow, item, uow.today(program)))
    return views


def form_for(uow: UnitOfWork, item_ref: str, problem: str | None = None) -> FormSpec:
    """The owner's form for one item (see aimsflow.forms)."""
    item = get_by_ref(uow.session, item_ref, WorkItem)
    program = uow.session.get_one(Program, item.program_id)
    root = evidence_inbox.inbox_root() if item.kind in ("evidence", "record") else None
    return form_spec(item_id=ref(item), kind=item.kind, title=item.title, subject=item.subject, phase=item.phase,
                     due=item.due_date.isoformat(), assignee=person_name(uow.session, item.assignee_id) or "nobody",
                     program=program.key, problem=problem, inbox=str(root) if root else None,
                     inbox_files=tuple(evidence_inbox.list_unclaimed(root)) if root else ())


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
