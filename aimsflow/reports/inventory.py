"""The AI system inventory with each system's impact-assessment status, and one system's assessment record."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from aimsflow.errors import InvalidInput, NotFound
from aimsflow.reports.common import Data, day, header, name_of, people
from aimsflow.rules.recurring import assessment_state
from aimsflow.uow import UnitOfWork
from models import AISystem, Event, ImpactAssessment, Program, Risk, WorkItem


def assessment_status(system: AISystem, ia: ImpactAssessment | None, today: str) -> str:
    """required | current | stale | overdue (current but past its interval) | not required (out of scope)."""
    if ia is None:
        return "required" if system.in_scope else "not required"
    if assessment_state(ia.state, ia.next_due, date.fromisoformat(today)) != ia.state:
        return "overdue"  # the gates count it stale (past its interval); the report says why
    return ia.state


def _systems(uow: UnitOfWork, program: Program) -> list[AISystem]:
    return list(uow.session.exec(select(AISystem).where(AISystem.program_id == program.id)
                                 .order_by(col(AISystem.name))))


def _assessments(uow: UnitOfWork, program: Program) -> dict[int, ImpactAssessment]:
    return {a.system_id: a for a in uow.session.exec(
        select(ImpactAssessment).where(ImpactAssessment.program_id == program.id))}


def compile_inventory(uow: UnitOfWork, program: Program) -> Data:
    """Every AI system with status, owner, risk level, scope flag and impact-assessment status."""
    head = header(uow, program, "AI system inventory", "ISO/IEC 42001 4.1, 6.1.4, 8.4")
    names = people(uow, program)
    ias = _assessments(uow, program)
    systems = []
    for s in _systems(uow, program):
        ia = ias.get(s.id) if s.id is not None else None
        systems.append({
            "name": s.name, "purpose": s.purpose, "status": s.status, "ai_role": s.ai_role,
            "risk_level": s.risk_level, "owner": name_of(names, s.owner_id), "in_scope": s.in_scope,
            "assessment": assessment_status(s, ia, head["generated"]),
            "assessed_on": day(ia.assessed_on, program) if ia else None,
            "next_due": day(ia.next_due, program) if ia else None,
            "last_significant_change": day(s.last_significant_change, program),
        })
    in_scope = [s for s in systems if s["in_scope"]]
    summary = {"total": len(systems), "in_scope": len(in_scope),
               "by_assessment": {k: sum(1 for s in in_scope if s["assessment"] == k)
                                 for k in ("current", "overdue", "stale", "required")}}
    return {"header": head, "systems": systems, "summary": summary}


def compile_impact_assessment(uow: UnitOfWork, program: Program, system_name: str | None) -> Data:
    """One system's impact assessment: the current record, its rounds, the changes that made it stale, its risks."""
    systems = _systems(uow, program)
    if not system_name:
        raise InvalidInput(f"impact-assessment needs --system NAME (systems of {program.key}: "
                           f"{', '.join(s.name for s in systems) or 'none'})")
    system = next((s for s in systems if s.name == system_name), None)
    if system is None:
        raise NotFound(f"--system: AI system '{system_name}' is not in the inventory of {program.key}")
    head = header(uow, program, "AI system impact assessment", f"ISO/IEC 42001 6.1.4, 8.4, A.5: {system.name}")
    names = people(uow, program)
    ia = _assessments(uow, program).get(system.id) if system.id is not None else None
    rounds = [{"id": f"WI-{w.id}", "title": w.title, "state": w.state, "assessor": name_of(names, w.assignee_id),
               "due": day(w.due_date, program), "completed": day(w.completed_at, program), "note": w.note}
              for w in uow.session.exec(select(WorkItem).where(
                  WorkItem.program_id == program.id, WorkItem.kind == "impact_assessment",
                  WorkItem.subject == system.name).order_by(col(WorkItem.id)))]
    history = [{"date": day(e.at, program), "actor": e.actor, "trigger": e.trigger, "from": e.from_state,
                "to": e.to_state, "reason": e.payload.get("reason")}
               for e in uow.session.exec(select(Event).where(
                   Event.program_id == program.id,
                   col(Event.row_ref).in_([f"system:{system.name}", f"IA-{system.name}"])).order_by(col(Event.seq)))]
    risks = [{"id": f"RISK-{r.id}", "title": r.title, "state": r.state,
              "score": r.likelihood * r.impact if r.likelihood and r.impact else None,
              "residual": (r.residual_likelihood * r.residual_impact
                           if r.residual_likelihood and r.residual_impact else None)}
             for r in uow.session.exec(select(Risk).where(Risk.system_id == system.id).order_by(col(Risk.id)))]
    return {
        "header": head,
        "system": {"name": system.name, "purpose": system.purpose, "description": system.description,
                   "status": system.status, "ai_role": system.ai_role, "risk_level": system.risk_level,
                   "owner": name_of(names, system.owner_id), "in_scope": system.in_scope,
                   "last_significant_change": day(system.last_significant_change, program)},
        "assessment": {
            "status": assessment_status(system, ia, head["generated"]),
            "assessed_on": day(ia.assessed_on, program) if ia else None,
            "assessed_by": name_of(names, ia.assessed_by_id) if ia else None,
            "next_due": day(ia.next_due, program) if ia else None,
            "summary": ia.summary if ia else None, "stale_reason": ia.stale_reason if ia else None,
        },
        "rounds": rounds, "history": history, "risks": risks,
    }


def assessed_systems(uow: UnitOfWork, program: Program) -> list[str]:
    """The systems whose impact-assessment record `report all` writes: every in-scope system."""
    return [s.name for s in _systems(uow, program) if s.in_scope]
