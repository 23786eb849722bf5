"""The work of a nonconformity's loop (10.2): one work item for the step it waits for, in turn.

raised -> correction -> root cause -> action planned -> implemented -> verified -> closed. The item
of the current step is opened once (its key names the NC, the round and the step); an item whose
step the loop has already passed is cancelled. For a major the CB's verification deadline sets the
due dates: the remaining steps share the time left.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select

from aimsflow.rules import working_days
from aimsflow.rules.corrective_action import resolved_directly, verified_at_next_audit, verifier_role
from aimsflow.rules.working_days import local_date
from aimsflow.services import work
from aimsflow.services.lookup import get_by_ref, people_with_role, person_name, ref
from aimsflow.services.nonconformities import nonconformity_view
from aimsflow.services.owner_tasks import LOOP_PREFIX
from aimsflow.uow import UnitOfWork
from models import CorrectiveAction, Event, Finding, Nonconformity, Person, Program, WorkItem
from states.nonconformity import NonconformityState
from states.work_item import ACTIVE, WORK_ITEM

S = NonconformityState
ORDER = ("correct", "analyse", "plan", "implement", "verify", "close")
TITLES = {
    "correct": "Contain {nc} ({ref}) and deal with its consequences (correction)",
    "analyse": "Find the root cause of {nc} ({ref})",
    "plan": "Plan the corrective action for {nc} ({ref})",
    "implement": "Implement the corrective action for {nc} ({ref})",
    "verify": "Verify that the corrective action for {nc} ({ref}) was effective",
    "close": "Close {nc} ({ref}) and look for similar nonconformities elsewhere",
    "resolve": "Resolve the Stage 1 concern {nc} ({ref}) before Stage 2",
}
ROLES = {"verify": "internal-auditor", "close": "program-manager"}
STEP_DAYS = 14  # without a CB deadline, each step is due two weeks after it opens


def current_step(uow: UnitOfWork, nc: Nonconformity) -> str | None:
    """The trigger the loop waits for next, or None when it is closed."""
    state = S(nc.state)
    if state is S.CLOSED:
        return None
    if resolved_directly(nc.severity) and state in (S.RAISED, S.CORRECTION):
        return "resolve"
    if state is S.ROOT_CAUSE_ANALYSIS:
        action = uow.session.exec(select(CorrectiveAction).where(
            CorrectiveAction.nonconformity_id == nc.id, CorrectiveAction.round == nc.round)).first()
        return "plan" if action is not None and action.root_cause else "analyse"
    return {S.RAISED: "correct", S.CORRECTION: "analyse", S.ACTION_PLANNED: "implement",
            S.ACTION_IMPLEMENTED: "verify", S.EFFECTIVENESS_VERIFIED: "close"}[state]


def _due(program: Program, nc: Nonconformity, step: str, today: date) -> date:
    due = today + timedelta(days=STEP_DAYS)
    if nc.verify_by is not None and step in ORDER[:5]:
        remaining = len(ORDER[ORDER.index(step):5])
        share = max((nc.verify_by - today).days // remaining, 1)
        due = min(due, today + timedelta(days=share))
    return working_days.next_working_day(due, program.country)


def _verify_at_next_audit(uow: UnitOfWork, program: Program, nc: Nonconformity, step: str, today: date) -> date | None:
    """A certification audit's minor is verified at the body's next audit: its verify step is due then."""
    if step != "verify" or not verified_at_next_audit(nc.severity, uow.session.get_one(Finding, nc.finding_id).source):
        return None
    from aimsflow.services.findings_between_audits import next_certification_audit

    nxt = next_certification_audit(uow, program)
    return working_days.next_working_day(max(nxt.date, today), program.country) if nxt and nxt.date else None


def _assignee(uow: UnitOfWork, program: Program, nc: Nonconformity, step: str) -> tuple[str, Person | None]:
    """The role and person for a step; a verifier is never the implementer."""
    if step != "verify":
        return ROLES.get(step, "owner"), None
    finding = uow.session.get_one(Finding, nc.finding_id)
    role = verifier_role(nc.severity, finding.source)
    action = uow.session.exec(select(CorrectiveAction).where(
        CorrectiveAction.nonconformity_id == nc.id, CorrectiveAction.round == nc.round)).first()
    implementer = action.implemented_by_id if action else None
    people = [p for p in people_with_role(uow.session, program, role) if p.id != implementer]
    return role, (people[0] if people else None)


def open_loop_work(uow: UnitOfWork, program: Program, *, nc_ref: str | None = None,
                   actor: str = "nonconformity") -> dict[str, Any]:
    """Open the current step's item of one or every open nonconformity; cancel items of passed steps."""
    query = select(Nonconformity).where(Nonconformity.program_id == program.id,
                                        Nonconformity.state != S.CLOSED.value)
    if nc_ref is not None:
        query = query.where(Nonconformity.id == get_by_ref(uow.session, nc_ref, Nonconformity).id)
    today = uow.today(program)
    steps: dict[str, str | None] = {}
    opened: list[str] = []
    cancelled: list[str] = []
    for nc in uow.session.exec(query.order_by(col(Nonconformity.id))).all():
        nid = ref(nc)
        step = current_step(uow, nc)
        steps[nid] = step
        wanted = f"{LOOP_PREFIX}{nc.id}:{nc.round}:{step}"
        for item in uow.session.exec(select(WorkItem).where(
                WorkItem.program_id == program.id, col(WorkItem.key).startswith(f"{LOOP_PREFIX}{nc.id}:"),
                col(WorkItem.state).in_([s.value for s in ACTIVE]))).all():
            if item.key != wanted:
                uow.transition(program, WORK_ITEM, item, "cancel", row_ref=ref(item), actor=actor,
                               payload={"reason": f"{nid} moved on to {step or 'closed'}"})
                cancelled.append(ref(item))
        if step is None:
            continue
        role, person = _assignee(uow, program, nc, step)
        item_ref = work.open_item(uow, program, key=wanted, kind="corrective_action", subject=nc.ref,
                                  title=TITLES[step].format(nc=nid, ref=nc.ref), role=role,
                                  due=_verify_at_next_audit(uow, program, nc, step, today)
                                  or _due(program, nc, step, today), phase=program.state, actor=actor,
                                  assignee=person)
        if item_ref:
            opened.append(item_ref)
    return {"program": program.key, "steps": steps, "opened": opened, "cancelled": cancelled}


def describe_nonconformity(uow: UnitOfWork, nc_ref: str) -> dict[str, Any]:
    """One nonconformity as `nc show` tells it: its loop state and round, the step it waits for and that
    step's open work with its due date, the CB's deadline, every round, and its history from the trail.

    The history is each recorded step in order: date, step, from and to, who took it and who typed it
    in for them (`entered_by`), the note, the verification's outcome and the round.
    """
    nc = get_by_ref(uow.session, nc_ref, Nonconformity)
    program = uow.session.get_one(Program, nc.program_id)
    nid = ref(nc)
    view = nonconformity_view(uow, nc, program)
    finding = uow.session.get_one(Finding, nc.finding_id)
    step = current_step(uow, nc)
    work_open: list[dict[str, Any]] = [{"id": ref(item), "step": item.key.rsplit(":", 1)[-1], "state": item.state,
                  "assignee": person_name(uow.session, item.assignee_id), "due": item.due_date.isoformat()}
                 for item in uow.session.exec(select(WorkItem).where(
                     WorkItem.program_id == program.id, col(WorkItem.key).startswith(f"{LOOP_PREFIX}{nc.id}:"),
                     col(WorkItem.state).in_([s.value for s in ACTIVE])).order_by(col(WorkItem.id)))]
    history = [{"on": local_date(e.at, program.timezone).isoformat(), "step": e.trigger, "from": e.from_state,
                "to": e.to_state, "by": e.actor, "entered_by": e.payload.get("entered_by"),
                "note": e.payload.get("note"), "effective": e.payload.get("effective"),
                "round": e.payload.get("round")}
               for e in uow.session.exec(select(Event).where(
                   Event.program_id == program.id, Event.row_ref == nid).order_by(col(Event.seq)))]
    return {**view, "audit": f"AUD-{finding.audit_id}" if finding.audit_id else None,
            "closed_on": nc.closed_on.isoformat() if nc.closed_on else None,
            "waiting_for": step, "work": work_open,
            "due": {"verify_by": view["verify_by"], "next_step": min((str(w["due"]) for w in work_open), default=None)},
            "history": history}
