"""A program's status: where it stands, what its gate still lacks, what is late, what comes next."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, func, select

from aimsflow.rules.gates import (
    ProgramFacts,
    impact_assessment_gap,
    new_stage_2_needed,
    new_stage_2_to_hold,
    uncovered_by_internal_audit,
)
from aimsflow.rules.registry import guard
from aimsflow.services.audit_readiness import audit_readiness
from aimsflow.services.certification import current_certificate, cycle_plan
from aimsflow.services.facts import load_facts
from aimsflow.services.findings_between_audits import open_findings
from aimsflow.services.nonconformities import list_nonconformities
from aimsflow.services.suspension import suspension_view
from aimsflow.uow import UnitOfWork
from models import AISystem, Audit, Event, PhaseRecord, Program, Waiver, WorkItem
from states.program import PROGRAM, ProgramState, phase_of
from states.work_item import ACTIVE

# Once certified, the internal audit programme (9.2) must cover every clause and included control
# over each three-year cycle; the recertification audit will look for it.
CYCLE_STATES = {ProgramState.CERTIFIED, ProgramState.SURVEILLANCE_1, ProgramState.SURVEILLANCE_2,
                ProgramState.RECERTIFICATION}


def _audit_programme_gaps(facts: ProgramFacts, cycle: int) -> list[str]:
    required = facts.audit_scope
    uncovered = uncovered_by_internal_audit(facts)
    if not uncovered:
        return []
    shown = ", ".join(uncovered[:8]) + (f" and {len(uncovered) - 8} more" if len(uncovered) > 8 else "")
    return [f"internal audit programme (9.2): {len(uncovered)} of {len(required)} clauses and included controls "
            f"not yet audited in cycle {cycle}: {shown}"]


def program_status(uow: UnitOfWork, program: Program) -> dict[str, Any]:
    """Where a program stands: its phase, what the gate still lacks, late work, open findings, flags."""
    today = uow.today(program)
    gate_name = next((g for t in PROGRAM.candidates(program.state, "advance") for g in t.guards), None)
    if gate_name is None:
        gate_name = {"certification_stage_1": "stage_1_cleared",
                     "certification_resolution": "decision_allowed",
                     "recertification": "decision_allowed"}.get(program.state)
    facts = load_facts(uow.session, program, today)
    missing = guard(PROGRAM, gate_name)(facts) if gate_name else []
    counts = dict(uow.session.exec(select(WorkItem.state, func.count()).where(
        WorkItem.program_id == program.id).group_by(col(WorkItem.state))).all())
    late = uow.session.exec(select(func.count()).select_from(WorkItem).where(
        WorkItem.program_id == program.id, col(WorkItem.state).in_([s.value for s in ACTIVE]),
        WorkItem.due_date < today)).one()
    ncs = list_nonconformities(uow, program, open_only=True)
    flags = [f"{n['id']}: major past its verification deadline {n['verify_by']}" for n in ncs if n["past_deadline"]]
    if gate_name == "decision_allowed":  # the gate shown names it too; the flag makes it stand out
        flags += new_stage_2_needed(facts)
    flags += new_stage_2_to_hold(facts)  # after the cycle check moved the program back to Stage 2
    if program.state in CYCLE_STATES:
        flags += _audit_programme_gaps(facts, program.cycle)
    # Between gates nothing asks for current impact assessments, but an auditor will: say so.
    if not missing:
        flags += [gap for s in facts.systems if s.impact_assessment == "stale" and (gap := impact_assessment_gap(s))]
    phases = [
        {"phase": r.phase, "cycle": r.cycle, "planned_start": r.planned_start.isoformat(),
         "planned_end": r.planned_end.isoformat(), "started": r.started_on.isoformat(),
         "ended": r.ended_on.isoformat() if r.ended_on else None}
        for r in uow.session.exec(select(PhaseRecord).where(PhaseRecord.program_id == program.id)
                                  .order_by(col(PhaseRecord.id)))
    ]
    cert = current_certificate(uow.session, program)
    suspended = suspension_view(program)
    if suspended:
        flags.append(f"certificate suspended since {suspended['since']}: {suspended['cause']}; withdrawn unless "
                     f"resolved by {suspended['withdrawn_unless_resolved_by']} "
                     f"(limit {suspended['limit_months']} months)")
    audits = list(uow.session.exec(select(Audit).where(Audit.program_id == program.id).order_by(col(Audit.id))))
    return {
        "key": program.key, "name": program.name, "scope": program.scope, "state": program.state,
        "phase": phase_of(program.state), "cycle": program.cycle, "today": today.isoformat(),
        "timezone": program.timezone, "country": program.country,
        "existing_certifications": program.existing_certifications,
        "gate": {"name": gate_name, "passes": not missing, "missing": missing},
        "allowed": PROGRAM.triggers_from(program.state),
        "work": {"by_state": counts, "late": late, "total": sum(counts.values())},
        "ai_systems": uow.session.exec(select(func.count()).select_from(AISystem).where(
            AISystem.program_id == program.id)).one(),
        "open_nonconformities": [{k: n[k] for k in ("id", "severity", "ref", "state", "verify_by")} for n in ncs],
        # Each open finding with the audit or date it is due by (rules.findings).
        "open_findings": open_findings(uow, program),
        "suspension": suspended,
        "audits": [{"id": f"AUD-{a.id}", "kind": a.kind, "state": a.state, "start": a.start_date.isoformat()}
                   for a in audits],
        "certificate": cycle_plan(uow, program, cert) if cert else None,
        "next_audit": audit_readiness(uow, program),
        "phases": phases,
        "waivers": [{"phase": w.phase, "item": w.item, "reason": w.reason} for w in uow.session.exec(
            select(Waiver).where(Waiver.program_id == program.id))],
        "flags": flags,
        "events": uow.session.exec(select(func.count()).select_from(Event).where(
            Event.program_id == program.id)).one(),
    }
