"""The AI system inventory: importing it from CSV or YAML, and recording significant changes."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import select

from aimsflow.errors import InvalidInput, NotFound
from aimsflow.limits import CSV_FIELD_MAX, FIELD_MAX, NAME_MAX, PATH_SHOWN, check_text, clip
from aimsflow.rules import working_days
from aimsflow.rules.recurring import assessment_state
from aimsflow.services import phases, work
from aimsflow.uow import UnitOfWork
from aimsflow.userfiles import load_yaml, read_text
from models import AISystem, ImpactAssessment, Person, Program, WorkItem
from states.ai_system import AISystemState, RiskLevel
from states.impact_assessment import IMPACT_ASSESSMENT, ImpactAssessmentState
from states.program import ProgramState
from states.work_item import ACTIVE

REQUIRED = ("name", "purpose", "status", "risk_level", "owner", "in_scope")
OPTIONAL = ("ai_role", "description")
STATUSES = [s.value for s in AISystemState]
RISK_LEVELS = [r.value for r in RiskLevel]
# Until the controls phase opens them, the phases ask for every in-scope system's impact assessment.
BEFORE_CONTROLS = {ProgramState.GAP_ANALYSIS.value, ProgramState.FOUNDATION_BUILDING.value,
                   ProgramState.CONTROLS_IMPLEMENTATION.value}
YES_NO = {"yes": True, "no": False, "true": True, "false": False, "y": True, "n": False}


def _read_rows(path: str) -> list[dict[str, Any]]:
    where = f"inventory file {clip(path, PATH_SHOWN)}"
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml"):
        raise InvalidInput(f"{where}: give a .csv, .yaml or .yml file")
    text = read_text(path, "inventory file", "inventory")
    if suffix in (".yaml", ".yml"):
        data = load_yaml(text, where)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise InvalidInput(f"{where}: YAML must be a list of mappings (one per AI system)")
        return [{str(k): v for k, v in r.items()} for r in data]
    csv.field_size_limit(CSV_FIELD_MAX)
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
        repeated = sorted({h for h in header if header.count(h) > 1})
        if repeated:
            raise InvalidInput(f"{where}: header names {', '.join(clip(h) for h in repeated)} more than once")
        lacking = [c for c in REQUIRED if c not in header]
        if lacking:
            raise InvalidInput(f"{where}: header lacks {', '.join(lacking)} (expected {','.join(REQUIRED)})")
        rows = []
        for row in reader:
            if None in row:
                raise InvalidInput(f"{where}: row {reader.line_num - 1}: more fields than the header")
            rows.append({(k or "").strip(): v for k, v in row.items()})
    except csv.Error as exc:
        raise InvalidInput(f"{where}: line {reader.line_num}: {exc} (a field holds at most {CSV_FIELD_MAX} "
                           "characters)") from None
    return rows


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def import_inventory(uow: UnitOfWork, program: Program, path: str, *, actor: str = "cli") -> dict[str, Any]:
    """Validate every row first, then import all of them or none; every error names its row and field."""
    rows = _read_rows(path)
    if not rows:
        raise InvalidInput(f"inventory file {clip(path, PATH_SHOWN)}: has no AI systems")
    people = {p.name: p for p in uow.session.exec(select(Person).where(Person.program_id == program.id))}
    existing = set(uow.session.exec(select(AISystem.name).where(AISystem.program_id == program.id)))
    errors: list[str] = []
    seen: dict[str, int] = {}
    clean: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        where = f"row {number}"

        def bad(field: str, problem: str, where: str = where) -> None:
            errors.append(f"{where}, field {field}: {problem}")

        unknown = [k for k in row if k not in REQUIRED + OPTIONAL]
        if unknown:
            bad(clip(unknown[0]), f"unknown column (allowed: {', '.join(REQUIRED + OPTIONAL)})")
        if isinstance(row.get("in_scope"), bool):
            row = {**row, "in_scope": "yes" if row["in_scope"] else "no"}
        values: dict[str, str] = {}
        refused: set[str] = set()
        for field in REQUIRED + OPTIONAL:
            raw = row.get(field)
            if (raw is not None and not isinstance(raw, (str, int, float, date))) or isinstance(raw, bool):
                bad(field, f"is a {type(raw).__name__}, not a single value")
                refused.add(field)
                raw = None
            values[field] = _text(raw)
            try:
                check_text(values[field], field, limit=NAME_MAX if field in ("name", "owner") else FIELD_MAX,
                           multiline=field in ("purpose", "description"))
            except InvalidInput as exc:
                bad(field, exc.message)
                refused.add(field)
                values[field] = ""
        for field in REQUIRED:
            if not values[field] and field not in refused:
                bad(field, "is empty")
        name = values["name"]
        if name:
            if name in seen:
                bad("name", f"'{clip(name)}' repeats row {seen[name]}")
            elif name in existing:
                bad("name", f"'{clip(name)}' is already in the inventory")
            seen.setdefault(name, number)
        if values["status"] and values["status"].lower() not in STATUSES:
            bad("status", f"'{clip(values['status'])}' is not one of {', '.join(STATUSES)}")
        if values["risk_level"] and values["risk_level"].lower() not in RISK_LEVELS:
            bad("risk_level", f"'{clip(values['risk_level'])}' is not one of {', '.join(RISK_LEVELS)}")
        if values["in_scope"] and values["in_scope"].lower() not in YES_NO:
            bad("in_scope", f"'{clip(values['in_scope'])}' is not yes or no")
        if values["owner"] and values["owner"] not in people:
            bad("owner", f"'{clip(values['owner'])}' is not a person of program {program.key}")
        clean.append(values)
    if errors:
        shown = "; ".join(errors[:10]) + (f"; and {len(errors) - 10} more" if len(errors) > 10 else "")
        raise InvalidInput(f"inventory file {clip(path, PATH_SHOWN)}: nothing imported: {shown}")

    names = []
    opened: list[str] = []
    for values in clean:
        system = AISystem(
            program_id=program.id, name=values["name"], purpose=values["purpose"],  # type: ignore[arg-type]
            description=values["description"] or None, status=values["status"].lower(),
            ai_role=values["ai_role"] or None, risk_level=values["risk_level"].lower(),
            owner_id=people[values["owner"]].id, in_scope=YES_NO[values["in_scope"].lower()],
        )
        uow.session.add(system)
        uow.session.flush()
        if system.in_scope:
            uow.session.add(ImpactAssessment(program_id=program.id, system_id=system.id))  # type: ignore[arg-type]
        uow.record(program, actor=actor, lifecycle="ai_system", row_ref=f"system:{system.name}", trigger="import",
                   to_state=system.status, payload={k: v for k, v in values.items() if v})
        names.append(system.name)
        if system.in_scope and program.state not in BEFORE_CONTROLS:
            # Past the controls phase no phase opens it: the system's assessment is asked for now, and the
            # next audit's readiness names it until it is current.
            item = open_reassessment(uow, program, system, due=_due(uow, program), actor=actor,
                                     title=f"Assess the impact of AI system {system.name}: added to the inventory")
            opened += [item] if item else []
    if program.state == ProgramState.CONTROLS_IMPLEMENTATION:
        phases.sync_phase_items(uow, program, program.state, actor=actor)
    return {"imported": len(names), "systems": names, "opened": opened}


def record_significant_change(uow: UnitOfWork, program: Program, system_name: str, *, reason: str,
                              actor: str = "cli") -> dict[str, Any]:
    """A significant change makes the system's impact assessment stale and asks for a new one."""
    if not reason.strip():
        raise InvalidInput("a significant change needs its reason: say what changed (new model, new data, new users, "
                           "new geography, incident)", field="reason")
    system = uow.session.exec(select(AISystem).where(
        AISystem.program_id == program.id, AISystem.name == system_name)).first()
    if system is None:
        raise NotFound(f"AI system '{system_name}' is not in the inventory of {program.key}")
    system.last_significant_change = uow.stamp
    uow.session.add(system)
    uow.record(program, actor=actor, lifecycle="ai_system", row_ref=f"system:{system.name}",
               trigger="significant_change", payload={"reason": reason})
    ia = uow.session.exec(select(ImpactAssessment).where(ImpactAssessment.system_id == system.id)).first()
    result: dict[str, Any] = {"system": system.name, "impact_assessment": ia.state if ia else None}
    if ia is not None and ia.state == ImpactAssessmentState.CURRENT:
        ia.stale_reason = reason
        uow.transition(program, IMPACT_ASSESSMENT, ia, "invalidate", row_ref=f"IA-{system.name}", actor=actor,
                       payload={"reason": reason})
        result["impact_assessment"] = ia.state
    if system.in_scope:
        result["opened"] = open_reassessment(
            uow, program, system, due=_due(uow, program), actor=actor,
            title=f"Reassess the impact of AI system {system.name} after a significant change: {reason}")
    return result


def open_reassessment(uow: UnitOfWork, program: Program, system: AISystem, *, due: date, title: str,
                      actor: str) -> str | None:
    """A new impact-assessment work item for the system, unless one is still open; its id, or None."""
    items = list(uow.session.exec(select(WorkItem).where(
        WorkItem.program_id == program.id, WorkItem.kind == "impact_assessment", WorkItem.subject == system.name)))
    if any(w.state in ACTIVE for w in items):
        return None
    return work.open_item(uow, program, key=f"impact:{system.name}:{len(items) + 1}", kind="impact_assessment",
                          subject=system.name, title=title, role="owner",
                          due=working_days.next_working_day(due, program.country), phase=program.state, actor=actor)


def _due(uow: UnitOfWork, program: Program) -> Any:
    return working_days.due_from(uow.now, 30, program.timezone, program.country)


def list_inventory(uow: UnitOfWork, program: Program) -> list[dict[str, Any]]:
    """The AI system inventory with each system's impact-assessment status."""
    people = {p.id: p.name for p in uow.session.exec(select(Person).where(Person.program_id == program.id))}
    ias: dict[int | None, ImpactAssessment] = {a.system_id: a for a in uow.session.exec(
        select(ImpactAssessment).where(ImpactAssessment.program_id == program.id))}
    today = uow.today(program)
    return [
        {"name": s.name, "purpose": s.purpose, "status": s.status, "risk_level": s.risk_level,
         "owner": people.get(s.owner_id), "in_scope": s.in_scope, "ai_role": s.ai_role,
         "impact_assessment": _assessment_state(ias.get(s.id), today),
         "impact_assessment_due": _next_due(ias.get(s.id)),
         "last_significant_change": s.last_significant_change.isoformat() if s.last_significant_change else None}
        for s in uow.session.exec(select(AISystem).where(AISystem.program_id == program.id).order_by(AISystem.name))
    ]


def _assessment_state(ia: ImpactAssessment | None, today: date) -> str | None:
    if ia is None:
        return None
    return assessment_state(ia.state, ia.next_due, today)


def _next_due(ia: ImpactAssessment | None) -> str | None:
    return ia.next_due.isoformat() if ia is not None and ia.next_due is not None else None
