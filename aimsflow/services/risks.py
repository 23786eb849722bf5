"""AI risks: criteria, assessment on likelihood x impact, treatment and acceptance of the residual."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from aimsflow.catalog import load_catalog
from aimsflow.errors import Conflict, InvalidInput, NotFound, Refused
from aimsflow.rules.registry import check_for
from aimsflow.rules.risk_acceptance import RiskAcceptance, above_criteria, reason_missing
from aimsflow.services.entered_by import entered
from aimsflow.services.lookup import find_person, person_name, roles_of
from aimsflow.uow import UnitOfWork
from models import AISystem, Program, Risk
from states.risk import RISK, Treatment

TREATMENTS = [t.value for t in Treatment]


def risk_ref(risk: Risk) -> str:
    """The short readable id of a risk: RISK-3."""
    return f"RISK-{risk.id}"


def get_risk(uow: UnitOfWork, text: str) -> tuple[Risk, Program]:
    """The risk a reference such as RISK-3 names, and its program."""
    digits = text.upper().removeprefix("RISK-")
    if not digits.isdigit():
        raise InvalidInput(f"'{text}' is not a risk id (expected RISK-<number>)")
    risk = uow.session.get(Risk, int(digits))
    if risk is None:
        raise NotFound(f"RISK-{digits} not found")
    return risk, uow.session.get_one(Program, risk.program_id)


def _score(program: Program, value: int | None, field: str) -> int:
    if value is None or not 1 <= value <= program.risk_scale:
        raise InvalidInput(f"{value} is outside the scale 1-{program.risk_scale}", field=field)
    return value


def set_criteria(uow: UnitOfWork, program: Program, *, threshold: int, scale: int = 5,
                 actor: str = "cli") -> dict[str, Any]:
    """Record the risk acceptance criteria (6.1.1): scores above the threshold need top management."""
    if not 2 <= scale <= 10:
        raise InvalidInput(f"the risk scale {scale} must be between 2 and 10", field="scale")
    if not 1 <= threshold <= scale * scale:
        raise InvalidInput(f"the acceptance threshold {threshold} must be between 1 and {scale * scale} "
                           "(likelihood x impact)", field="threshold")
    program.risk_scale, program.risk_threshold = scale, threshold
    uow.session.add(program)
    uow.record(program, actor=actor, lifecycle="program", row_ref="risk-criteria", trigger="set",
               payload={"threshold": threshold, "scale": scale})
    return {"threshold": threshold, "scale": scale}


def add_risk(uow: UnitOfWork, program: Program, *, title: str, source: str | None = None, system: str | None = None,
             owner: str | None = None, actor: str = "cli") -> str:
    """Identify a risk (its source, AI system and owner optional) and return its id."""
    title = title.strip()
    if not title:
        raise InvalidInput("a risk's title must not be empty", field="title")
    if uow.session.exec(select(Risk).where(Risk.program_id == program.id, Risk.title == title)).first():
        raise Conflict(f"risk '{title}' already exists in {program.key}")
    sources = load_catalog().risk_sources
    if source and source not in sources:
        raise InvalidInput(f"'{source}' is not an Annex C.3 risk source ({'; '.join(sources)})", field="source")
    system_id = None
    if system:
        row = uow.session.exec(select(AISystem).where(
            AISystem.program_id == program.id, AISystem.name == system)).first()
        if row is None:
            raise NotFound(f"AI system '{system}' is not in the inventory of {program.key}", field="system")
        system_id = row.id
    owner_id = find_person(uow.session, program, owner, "owner").id if owner else None
    risk = Risk(program_id=program.id, title=title, source=source, system_id=system_id, owner_id=owner_id,  # type: ignore[arg-type]
                created_at=uow.stamp)
    uow.session.add(risk)
    uow.session.flush()
    uow.record(program, actor=actor, lifecycle="risk", row_ref=risk_ref(risk), trigger="add", to_state=risk.state,
               payload={"title": title, "source": source, "system": system})
    return risk_ref(risk)


def assess_risk(uow: UnitOfWork, text: str, *, likelihood: int, impact: int, actor: str = "cli") -> dict[str, Any]:
    """Score a risk's likelihood and impact on the program's scale."""
    risk, program = get_risk(uow, text)
    risk.likelihood = _score(program, likelihood, "likelihood")
    risk.impact = _score(program, impact, "impact")
    uow.transition(program, RISK, risk, "assess", row_ref=risk_ref(risk), actor=actor,
                   payload={"likelihood": likelihood, "impact": impact})
    return risk_view(uow, risk, program)


def treat_risk(uow: UnitOfWork, text: str, *, treatment: str, residual_likelihood: int, residual_impact: int,
               plan: str | None = None, controls: list[str] | None = None, actor: str = "cli") -> dict[str, Any]:
    """Choose a risk's treatment, its controls and the residual scores."""
    risk, program = get_risk(uow, text)
    if treatment not in TREATMENTS:
        raise InvalidInput(f"'{treatment}' is not one of {', '.join(TREATMENTS)}", field="treatment")
    catalog = load_catalog()
    for c in controls or []:
        if not catalog.knows(c):
            raise NotFound(f"'{c}' is not an Annex A control", field="controls")
    risk.treatment, risk.treatment_plan = treatment, plan
    risk.controls = ",".join(controls or [])
    risk.residual_likelihood = _score(program, residual_likelihood, "residual_likelihood")
    risk.residual_impact = _score(program, residual_impact, "residual_impact")
    uow.transition(program, RISK, risk, "treat", row_ref=risk_ref(risk), actor=actor,
                   payload={"treatment": treatment, "residual": [residual_likelihood, residual_impact]})
    return risk_view(uow, risk, program)


def accept_risk(uow: UnitOfWork, text: str, *, by: str, reason: str | None = None,
                entered_by: str | None = None) -> dict[str, Any]:
    """Accept a residual risk; above the criteria only top management may, with a written reason.

    `entered_by`: the login of whoever typed the acceptance in for `by`; the trail keeps it beside them.
    """
    risk, program = get_risk(uow, text)
    person = find_person(uow.session, program, by, "by")
    residual = (risk.residual_likelihood or 0) * (risk.residual_impact or 0)
    acceptance = RiskAcceptance(risk_ref(risk), residual, program.risk_threshold, person.name,
                                "top-management" in roles_of(uow.session, person), reason)
    risk.accepted_by_id, risk.acceptance_reason = person.id, (reason or "").strip() or None
    try:
        uow.transition(program, RISK, risk, "accept", row_ref=risk_ref(risk), actor=person.name,
                       check=check_for(RISK, acceptance),
                       payload=entered({"residual": residual, "reason": reason}, entered_by))
    except Refused as refused:
        if reason_missing(acceptance):  # the refusal is also about an input: the reason not given
            raise Refused(refused.message, missing=refused.missing, state=refused.state, field="reason",
                          program=program.key, record=risk_ref(risk)) from None
        raise
    return risk_view(uow, risk, program)


def risk_view(uow: UnitOfWork, risk: Risk, program: Program) -> dict[str, Any]:
    """A risk as plain data, its scores and whether its residual is above the criteria."""
    score = (risk.likelihood or 0) * (risk.impact or 0) or None
    residual = (risk.residual_likelihood or 0) * (risk.residual_impact or 0) or None
    return {"id": risk_ref(risk), "title": risk.title, "state": risk.state, "source": risk.source,
            "likelihood": risk.likelihood, "impact": risk.impact, "score": score, "treatment": risk.treatment,
            "residual": residual, "above_criteria": above_criteria(residual, program.risk_threshold),
            "accepted_by": person_name(uow.session, risk.accepted_by_id), "reason": risk.acceptance_reason}


def list_risks(uow: UnitOfWork, program: Program) -> list[dict[str, Any]]:
    """The program's risks, oldest first."""
    return [risk_view(uow, r, program) for r in uow.session.exec(
        select(Risk).where(Risk.program_id == program.id).order_by(col(Risk.id)))]
