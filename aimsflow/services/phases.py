"""Phases: opening a phase's work, and advancing through its exit gate (with waivers)."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlmodel import select

from aimsflow.catalog import load_catalog
from aimsflow.errors import Hint, InvalidInput, Refused
from aimsflow.rules import working_days
from aimsflow.rules.deliverables import Deliverable, Each, plan_for, reuse_hint
from aimsflow.rules.gates import new_stage_2_to_hold
from aimsflow.rules.registry import check_for, guard
from aimsflow.services import work
from aimsflow.services.facts import load_facts
from aimsflow.services.waivers import approve_waivers, record_waivers
from aimsflow.uow import UnitOfWork
from models import AISystem, PhaseRecord, Program, SoAEntry
from states.machine import GuardCheck
from states.program import PROGRAM, ProgramState, phase_of

# Holding ISO 27001 or ISO 9001 already shortens foundation building: the shared management-system
# parts (risk management, internal audit, management review, documents, competence) are reused.
REUSE_SHORTENS = {ProgramState.FOUNDATION_BUILDING.value: 1}


def planned_months(program: Program, phase: str) -> int:
    """A phase's planned length in months, shorter where an existing certification is reused."""
    plan = plan_for(phase)
    months = plan.months if plan else 3
    if program.existing_certifications:
        months -= REUSE_SHORTENS.get(phase, 0)
    return months


def start_phase(uow: UnitOfWork, program: Program, phase: str, *, actor: str, on: date | None = None) -> list[str]:
    """Open a phase: its roadmap record and its work items. Safe to repeat: nothing is created twice."""
    if plan_for(phase) is None:
        raise InvalidInput(f"phase '{phase}' opens no work (phases: gap_analysis ... certification_stage_1)")
    start = on or uow.today(program)
    record = uow.session.exec(select(PhaseRecord).where(
        PhaseRecord.program_id == program.id, PhaseRecord.phase == phase, PhaseRecord.cycle == program.cycle)).first()
    if record is None:
        end = start + relativedelta(months=planned_months(program, phase))
        record = PhaseRecord(program_id=program.id, phase=phase, cycle=program.cycle,  # type: ignore[arg-type]
                             planned_start=start, planned_end=end, started_on=start)
        uow.session.add(record)
    return sync_phase_items(uow, program, phase, actor=actor, record=record)


def _expand(program: Program, d: Deliverable, uow: UnitOfWork) -> list[tuple[str, str, str]]:
    """(key, subject, title) for each work item a deliverable opens."""
    catalog = load_catalog()
    if d.each is Each.ONCE:
        hint = reuse_hint(d.key, program.existing_certifications)
        return [(d.key, d.subject, f"{d.title} ({hint})" if hint else d.title)]
    if d.each is Each.CLAUSE:
        return [(f"{d.key}:{c.id}", c.id, d.title.format(ref=c.id, title=c.title)) for c in catalog.clauses]
    if d.each is Each.IN_SCOPE_SYSTEM:
        systems = uow.session.exec(select(AISystem).where(
            AISystem.program_id == program.id, AISystem.in_scope == True, AISystem.status != "retired"  # noqa: E712
        ).order_by(AISystem.name))
        return [(f"{d.key}:{s.name}", s.name, d.title.format(ref=s.name, title=s.purpose)) for s in systems]
    entries = uow.session.exec(select(SoAEntry).where(
        SoAEntry.program_id == program.id, SoAEntry.included == True  # noqa: E712
    ).order_by(SoAEntry.control_id))
    out = []
    for e in entries:
        title = e.added_title or (catalog.title_of(e.control_id) if catalog.knows(e.control_id) else e.control_id)
        out.append((f"{d.key}:{e.control_id}", e.control_id, d.title.format(ref=e.control_id, title=title)))
    return out


def sync_phase_items(uow: UnitOfWork, program: Program, phase: str, *, actor: str,
                     record: PhaseRecord | None = None) -> list[str]:
    """Create the phase's missing work items (new in-scope systems and included controls get theirs)."""
    plan = plan_for(phase)
    if plan is None:
        return []
    if record is None:
        record = uow.session.exec(select(PhaseRecord).where(
            PhaseRecord.program_id == program.id, PhaseRecord.phase == phase,
            PhaseRecord.cycle == program.cycle)).first()
        if record is None:
            return []
    span = max((record.planned_end - record.planned_start).days, 1)
    count = len(plan.deliverables)
    created: list[str] = []
    for index, d in enumerate(plan.deliverables):
        # Due dates spread over the phase in the order the deliverables are listed.
        offset = timedelta(days=span * (index + 1) // count)
        due = working_days.next_working_day(max(record.planned_start + offset, uow.today(program)), program.country)
        for key, subject, title in _expand(program, d, uow):
            ref = work.open_item(uow, program, key=key, kind=d.kind.value, subject=subject, title=title,
                                 role=d.role, due=due, phase=phase, actor=actor)
            if ref:
                created.append(ref)
    return created


def program_guards(uow: UnitOfWork, program: Program, waived: list[str] | None = None) -> GuardCheck:
    """The program lifecycle's guard check: the registry's guards over the program's facts as of today."""
    return check_for(PROGRAM, load_facts(uow.session, program, uow.today(program)), waived=waived or ())


# Past the implementation phases the audits move the program: what to do instead, and its step.
NEXT_INSTEAD_OF_A_PHASE: dict[ProgramState, tuple[str, Hint]] = {
    ProgramState.CERTIFICATION_STAGE_1: ("certification moves with its audits: close Stage 1, resolve its concerns, "
                                         "then schedule Stage 2", "schedule_audit"),
    ProgramState.CERTIFICATION_STAGE_2: ("close the Stage 2 audit", "close_audit"),
    ProgramState.CERTIFICATION_RESOLUTION: ("the certification body's decision comes next",
                                            "record_certification_decision"),
}


def advance_phase(uow: UnitOfWork, program: Program, *, actor: str, waive: list[str] | None = None,
                  waived_by: str | None = None, reason: str | None = None) -> str:
    """Close the current phase through its gate and open the next; waivers need top management and a reason."""
    waive = [w for w in (waive or []) if w.strip()]
    if program.state not in {s.value for s in (ProgramState.GAP_ANALYSIS, ProgramState.FOUNDATION_BUILDING,
                                                ProgramState.CONTROLS_IMPLEMENTATION,
                                                ProgramState.TESTING_AND_REFINEMENT)}:
        # What moves the program on instead, and the step that does it (each layer words the step).
        instead, hint = NEXT_INSTEAD_OF_A_PHASE.get(ProgramState(program.state),
                                                    ("the implementation phases are over", None))
        if program.state == ProgramState.CERTIFICATION_STAGE_2 and (
                hold := new_stage_2_to_hold(load_facts(uow.session, program, uow.today(program)))):
            instead, hint = hold[0], "schedule_audit"  # the Stage 2 audit is closed: a new one is needed
        raise Refused(f"program {program.key} is in {program.state}: no phase to advance; {instead}",
                      state=program.state, hint=hint, program=program.key)
    gate = next(t.guards[0] for t in PROGRAM.candidates(program.state, "advance"))
    approver = approve_waivers(
        uow, program, waive=waive, waived_by=waived_by, reason=reason, what=f"the {phase_of(program.state)} gate",
        missing=guard(PROGRAM, gate)(load_facts(uow.session, program, uow.today(program))) if waive else [])
    before = program.state
    check = program_guards(uow, program, waive)
    after = uow.transition(program, PROGRAM, program, "advance", row_ref="program", actor=actor, check=check,
                           payload={"waived": waive, "waived_by": waived_by, "reason": reason} if waive else None)
    record_waivers(uow, program, approver, waive, reason=reason, phase=before)
    close_phase_record(uow, program, before)
    start_phase(uow, program, after, actor=actor)
    return after


def close_phase_record(uow: UnitOfWork, program: Program, phase: str) -> None:
    """Record the day a phase ended on its roadmap record (once)."""
    record = uow.session.exec(select(PhaseRecord).where(
        PhaseRecord.program_id == program.id, PhaseRecord.phase == phase, PhaseRecord.cycle == program.cycle)).first()
    if record is not None and record.ended_on is None:
        record.ended_on = uow.today(program)
        uow.session.add(record)


def advance_if_ready(uow: UnitOfWork, program: Program, *, actor: str) -> str | None:
    """Advance the program when its current phase gate passes (after an owner's completion); else None."""
    if not PROGRAM.candidates(program.state, "advance"):
        return None
    gate = PROGRAM.candidates(program.state, "advance")[0].guards[0]
    if guard(PROGRAM, gate)(load_facts(uow.session, program, uow.today(program))):
        return None
    return advance_phase(uow, program, actor=actor)
