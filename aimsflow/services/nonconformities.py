"""Nonconformities and their corrective actions (10.2): the loop, with an independent verifier."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from aimsflow.errors import InvalidInput, Refused
from aimsflow.services.lookup import find_person, get_by_ref, person_name, ref, roles_of
from aimsflow.uow import UnitOfWork
from models import CorrectiveAction, Finding, Nonconformity, Program
from states.audit import CB_AUDITS
from states.nonconformity import NONCONFORMITY, NonconformityState

TRIGGERS = sorted({t.trigger for t in NONCONFORMITY.transitions})
# Which corrective-action field a trigger's note fills.
NOTE_FIELD = {"correct": "correction", "analyse": "root_cause", "plan": "plan"}


def start_round(uow: UnitOfWork, program: Program, nc: Nonconformity) -> CorrectiveAction:
    action = CorrectiveAction(program_id=program.id, nonconformity_id=nc.id, round=nc.round,  # type: ignore[arg-type]
                              created_at=uow.stamp)
    uow.session.add(action)
    return action


def _current(uow: UnitOfWork, nc: Nonconformity) -> CorrectiveAction:
    return uow.session.exec(select(CorrectiveAction).where(
        CorrectiveAction.nonconformity_id == nc.id, CorrectiveAction.round == nc.round)).one()


def advance_nonconformity(uow: UnitOfWork, nc_ref: str, trigger: str, *, by: str, note: str | None = None,
                          effective: bool | None = None) -> dict[str, Any]:
    """Record one step of the loop; an ineffective verification starts a new round at root-cause analysis."""
    nc = get_by_ref(uow.session, nc_ref, Nonconformity)
    program = uow.session.get_one(Program, nc.program_id)
    person = find_person(uow.session, program, by, "--by")
    if trigger not in TRIGGERS:
        raise InvalidInput(f"TRIGGER: '{trigger}' is not one of {', '.join(TRIGGERS)}")
    if trigger == "verify" and effective is None:
        raise InvalidInput("verify needs --effective or --ineffective")
    if trigger != "verify" and effective is not None:
        raise InvalidInput("--effective/--ineffective apply to verify only")
    action = _current(uow, nc)
    finding = uow.session.get_one(Finding, nc.finding_id)

    def check(guard: str) -> list[str]:
        if guard == "verifier_independent":
            missing = []
            if action.implemented_by_id == person.id:
                missing.append(f"{person.name} implemented the action and cannot verify it")
            if nc.severity == "major" and finding.source in CB_AUDITS and "cb-auditor" not in roles_of(
                    uow.session, person):
                missing.append(f"a major from a {finding.source} audit is verified by the certification body: "
                               f"{person.name} is not a cb-auditor")
            return missing
        if guard == "effective":
            return [] if effective else ["the action was found ineffective"]
        if guard == "ineffective":
            return [] if effective is False else ["the action was found effective"]
        if guard == "is_concern":
            return [] if nc.severity == "concern" else [
                f"only a Stage 1 concern is resolved directly; a {nc.severity} goes through the corrective-action loop"]
        raise KeyError(guard)

    if trigger == "verify" and action.implemented_by_id == person.id:
        # Say the segregation rule plainly rather than alongside the other outcome's guard.
        raise Refused(f"{ref(nc)}: {person.name} implemented the action and cannot verify it "
                      "(the verifier is not the implementer)", state=nc.state)
    before_round = nc.round
    after = uow.transition(program, NONCONFORMITY, nc, trigger, row_ref=ref(nc), actor=person.name, check=check,
                           payload={"note": note, "effective": effective, "round": before_round})
    if trigger in NOTE_FIELD:
        setattr(action, NOTE_FIELD[trigger], note or "")
    elif trigger == "implement":
        action.implemented_by_id, action.implemented_at = person.id, uow.stamp
    elif trigger == "verify":
        action.verified_by_id, action.verified_at = person.id, uow.stamp
        action.effective, action.verification_note = effective, note
    uow.session.add(action)
    if trigger == "verify" and not effective:
        nc.round += 1  # the loop repeats: a new round starts at root-cause analysis
        uow.session.add(nc)
        uow.session.flush()
        start_round(uow, program, nc)
    if after == NonconformityState.CLOSED:
        nc.closed_on = uow.today(program)
        uow.session.add(nc)
    return nonconformity_view(uow, nc, program)


def nonconformity_view(uow: UnitOfWork, nc: Nonconformity, program: Program) -> dict[str, Any]:
    today = uow.today(program)
    finding = uow.session.get_one(Finding, nc.finding_id)
    overdue = bool(nc.verify_by and nc.state not in ("effectiveness_verified", "closed") and today > nc.verify_by)
    rounds = list(uow.session.exec(select(CorrectiveAction).where(
        CorrectiveAction.nonconformity_id == nc.id).order_by(col(CorrectiveAction.round))))
    return {
        "id": ref(nc), "severity": nc.severity, "ref": nc.ref, "state": nc.state, "source": finding.source,
        "text": finding.text, "raised_on": nc.raised_on.isoformat(),
        "verify_by": nc.verify_by.isoformat() if nc.verify_by else None, "past_deadline": overdue,
        "round": nc.round, "allowed": NONCONFORMITY.triggers_from(nc.state),
        "rounds": [{"round": a.round, "correction": a.correction, "root_cause": a.root_cause, "plan": a.plan,
                    "implemented_by": person_name(uow.session, a.implemented_by_id),
                    "verified_by": person_name(uow.session, a.verified_by_id), "effective": a.effective}
                   for a in rounds],
    }


def list_nonconformities(uow: UnitOfWork, program: Program, *, open_only: bool = False) -> list[dict[str, Any]]:
    query = select(Nonconformity).where(Nonconformity.program_id == program.id).order_by(col(Nonconformity.id))
    rows = [nonconformity_view(uow, nc, program) for nc in uow.session.exec(query)]
    return [r for r in rows if r["state"] != "closed"] if open_only else rows
