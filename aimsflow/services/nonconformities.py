"""Nonconformities and their corrective actions (10.2): the loop, with an independent verifier."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.exc import NoResultFound
from sqlmodel import col, select

from aimsflow import clock
from aimsflow.errors import InvalidInput, Refused
from aimsflow.rows import insert_row, table_of, update_versioned
from aimsflow.rules.corrective_action import NonconformityStep, verified_by_certification_body
from aimsflow.rules.registry import check_for
from aimsflow.services.lookup import (
    get_by_ref,
    not_a_person,
    not_found,
    parse_ref,
    person_name,
    ref,
    role_names,
)
from aimsflow.uow import ProgramRef, UnitOfWork
from models import CorrectiveAction, Finding, Nonconformity, Person, Program, TrailHead
from states.nonconformity import NONCONFORMITY, NonconformityState

TRIGGERS = sorted({t.trigger for t in NONCONFORMITY.transitions})
# Which corrective-action field a trigger's note fills.
NOTE_FIELD = {"correct": "correction", "analyse": "root_cause", "plan": "plan"}


def start_round(uow: UnitOfWork, program: Program, nc: Nonconformity) -> CorrectiveAction:
    action = CorrectiveAction(program_id=program.id, nonconformity_id=nc.id, round=nc.round,  # type: ignore[arg-type]
                              created_at=uow.stamp)
    uow.session.add(action)
    return action


@dataclass(frozen=True)
class _Loaded:
    """What one step of the loop reads, in one query: the NC, its program, finding, round and person."""

    id: int
    key: str  # the program's
    timezone: str
    state: str
    version: int
    severity: str
    round: int
    source: str
    action_id: int | None
    action_version: int | None
    correction: str | None
    root_cause: str | None
    plan: str | None
    implemented_by_id: int | None
    person_id: int | None
    person_name: str | None
    program_id: int
    head_seq: int | None
    head_hash: str | None
    clock_value: str | None


_NC, _CA, _F, _P, _PERSON, _HEAD = (table_of(t) for t in (Nonconformity, CorrectiveAction, Finding, Program, Person,
                                                          TrailHead))
_LOAD = (
    sa_select(_NC.c.id, _P.c.key, _P.c.timezone, _NC.c.state, _NC.c.version, _NC.c.severity, _NC.c.round,
              _F.c.source, _CA.c.id, _CA.c.version, _CA.c.correction, _CA.c.root_cause, _CA.c.plan,
              _CA.c.implemented_by_id, _PERSON.c.id, _PERSON.c.name, _NC.c.program_id, _HEAD.c.seq, _HEAD.c.hash,
              clock.CLOCK_VALUE)
    .select_from(_NC.join(_P, _P.c.id == _NC.c.program_id).join(_F, _F.c.id == _NC.c.finding_id)
                 .outerjoin(_CA, and_(_CA.c.nonconformity_id == _NC.c.id, _CA.c.round == _NC.c.round))
                 .outerjoin(_PERSON, and_(_PERSON.c.program_id == _NC.c.program_id,
                                          _PERSON.c.name == bindparam("name")))
                 .outerjoin(_HEAD, _HEAD.c.program_id == _NC.c.program_id))
    .where(_NC.c.id == bindparam("nc_id"))
)


def _load(uow: UnitOfWork, nc_id: int, name: str) -> _Loaded:
    uow.session.flush()  # ORM changes made earlier in this unit of work are part of what we read
    row = uow.connection.execute(_LOAD, {"nc_id": nc_id, "name": name}).first()
    if row is None:
        raise not_found(Nonconformity, nc_id)
    return _Loaded(*tuple(row))


def advance_nonconformity(uow: UnitOfWork, nc_ref: str, trigger: str, *, by: str, note: str | None = None,
                          effective: bool | None = None) -> dict[str, Any]:
    """Record one step of the loop; an ineffective verification starts a new round at root-cause analysis.

    Returns the NC's id, state, round and allowed triggers (`show_nonconformity` gives the full view).
    A hot path: one query reads the step, Core statements write it (see aimsflow.rows).
    """
    nc = _load(uow, parse_ref(nc_ref, Nonconformity), by.strip())
    uow.clock_read(nc.clock_value)
    uow.chain.prime(nc.program_id, (nc.head_seq, nc.head_hash) if nc.head_seq is not None and nc.head_hash else None)
    if nc.person_id is None or nc.person_name is None:
        raise not_a_person(nc.key, by, "--by")
    person_id, person_name = nc.person_id, nc.person_name
    if trigger not in TRIGGERS:
        raise InvalidInput(f"TRIGGER: '{trigger}' is not one of {', '.join(TRIGGERS)}")
    if trigger == "verify" and effective is None:
        raise InvalidInput("verify needs --effective or --ineffective")
    if trigger != "verify" and effective is not None:
        raise InvalidInput("--effective/--ineffective apply to verify only")
    if nc.action_id is None or nc.action_version is None:
        raise NoResultFound(f"NC-{nc.id} has no corrective action for round {nc.round}")
    nid = f"NC-{nc.id}"

    # The verifier's roles are read only when the rule asks for a CB auditor (a hot path).
    cb_auditor = ("cb-auditor" in role_names(uow.session, person_id)
                  if trigger == "verify" and verified_by_certification_body(nc.severity, nc.source) else None)
    step = NonconformityStep(nid, nc.severity, nc.source, nc.implemented_by_id, person_id, person_name,
                             actor_is_cb_auditor=cb_auditor, effective=effective)
    check = check_for(NONCONFORMITY, step)
    if trigger == "verify" and (not_independent := check("verifier_independent")):
        # Say the segregation rule plainly rather than alongside the other outcome's guard.
        raise Refused("; ".join(not_independent), missing=not_independent, state=nc.state)
    program = ProgramRef(nc.program_id, nc.key, nc.timezone)
    after = uow.fire(program, NONCONFORMITY, nc.state, trigger, row_ref=nid, actor=person_name, check=check,
                     payload={"note": note, "effective": effective, "round": nc.round})
    action: dict[str, Any] = {}
    if trigger in NOTE_FIELD:
        action[NOTE_FIELD[trigger]] = note or ""
        if getattr(nc, NOTE_FIELD[trigger]) == action[NOTE_FIELD[trigger]]:
            action = {}  # nothing changes: the ORM would not have written the row either
    elif trigger == "implement":
        action = {"implemented_by_id": person_id, "implemented_at": uow.stamp}
    elif trigger == "verify":
        action = {"verified_by_id": person_id, "verified_at": uow.stamp, "effective": effective,
                  "verification_note": note}
    if action:
        update_versioned(uow.session, CorrectiveAction, nc.action_id, nc.action_version, action)
    changed: dict[str, Any] = {"state": after} if after != nc.state else {}
    round_ = nc.round
    if trigger == "verify" and not effective:
        round_ = changed["round"] = nc.round + 1  # the loop repeats: a new round starts at root-cause analysis
    if after == NonconformityState.CLOSED:
        changed["closed_on"] = uow.today(program)
    if changed:
        update_versioned(uow.session, Nonconformity, nc.id, nc.version, changed)
    if round_ != nc.round:
        insert_row(uow.session, CorrectiveAction, _new_round(nc.program_id, nc.id, round_, uow))
    return {"id": nid, "state": after, "round": round_, "allowed": NONCONFORMITY.triggers_from(after)}


def _new_round(program_id: int, nc_id: int, round_: int, uow: UnitOfWork) -> dict[str, Any]:
    row = CorrectiveAction(program_id=program_id, nonconformity_id=nc_id, round=round_, created_at=uow.stamp)
    return {c.name: getattr(row, c.name) for c in _CA.columns if c.name != "id"}


def show_nonconformity(uow: UnitOfWork, nc_ref: str) -> dict[str, Any]:
    """One nonconformity as the CLI shows it: state, deadline, every round of its corrective action."""
    nc = get_by_ref(uow.session, nc_ref, Nonconformity)
    return nonconformity_view(uow, nc, uow.session.get_one(Program, nc.program_id))


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
