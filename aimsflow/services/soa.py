"""The Statement of Applicability: include or exclude each control, always with a justification."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from aimsflow.catalog import load_catalog
from aimsflow.errors import InvalidInput, NotFound
from aimsflow.services import phases
from aimsflow.uow import UnitOfWork
from models import Program, SoAEntry, WorkItem
from states.program import ProgramState
from states.work_item import ACTIVE, WORK_ITEM

STATUSES = ("planned", "partial", "implemented", "not-applicable")
EVIDENCE_PHASES = {ProgramState.CONTROLS_IMPLEMENTATION.value}


def set_entry(uow: UnitOfWork, program: Program, control: str, *, include: bool, justification: str,
              status: str | None = None, title: str | None = None, actor: str = "cli") -> dict[str, Any]:
    """Record a control's decision; an added control (not in Annex A) needs a title."""
    catalog = load_catalog()
    control = control.strip()
    existing = uow.session.exec(select(SoAEntry).where(
        SoAEntry.program_id == program.id, SoAEntry.control_id == control)).first()
    is_annex_a = catalog.knows(control) and control.startswith("A.")
    if not is_annex_a and existing is None and not (title or "").strip():
        raise NotFound(f"control '{control}' is not an Annex A control (A.2.2 ... A.10.4); "
                       "a control of your own needs a title", field="title")
    status = (status or ("not-applicable" if not include else "planned")).lower()
    if status not in STATUSES:
        raise InvalidInput(f"'{status}' is not one of {', '.join(STATUSES)}", field="status")
    if include and status == "not-applicable":
        raise InvalidInput(f"an included control cannot be not-applicable ({control})", field="status")
    entry = existing or SoAEntry(program_id=program.id, control_id=control, included=include,  # type: ignore[arg-type]
                                 justification="", added_title=None if is_annex_a else (title or "").strip())
    before = None if existing is None else ("included" if existing.included else "excluded")
    entry.included, entry.justification, entry.status = include, justification.strip(), status
    entry.decided_at = uow.stamp
    uow.session.add(entry)
    uow.session.flush()
    after = "included" if include else "excluded"
    uow.record(program, actor=actor, lifecycle="soa", row_ref=f"SoA:{control}", trigger="set",
               from_state=before, to_state=after,
               payload={"justification": entry.justification, "status": status, "title": entry.added_title})
    if include and program.state in EVIDENCE_PHASES:
        phases.sync_phase_items(uow, program, program.state, actor=actor)
    if not include:
        _cancel_evidence_request(uow, program, control, actor)
    warnings = [] if entry.justification else [f"{control}: no justification (a nonconformity; the gate will refuse)"]
    return {"control": control, "decision": after, "status": status, "justification": entry.justification,
            "warnings": warnings}


def _cancel_evidence_request(uow: UnitOfWork, program: Program, control: str, actor: str) -> None:
    item = uow.session.exec(select(WorkItem).where(
        WorkItem.program_id == program.id, WorkItem.key == f"evidence:{control}")).first()
    if item is not None and item.state in {s.value for s in ACTIVE}:
        uow.transition(program, WORK_ITEM, item, "cancel", row_ref=f"WI-{item.id}", actor=actor,
                       payload={"reason": f"{control} excluded from the SoA"})


def list_entries(uow: UnitOfWork, program: Program) -> list[dict[str, Any]]:
    """The Statement of Applicability: every Annex A control (and each added one) with its decision."""
    catalog = load_catalog()
    entries = {e.control_id: e for e in uow.session.exec(select(SoAEntry).where(SoAEntry.program_id == program.id))}
    out = []
    for c in catalog.controls:
        e = entries.pop(c.id, None)
        out.append({"control": c.id, "title": c.title, "group": c.group_title,
                    "decision": None if e is None else ("included" if e.included else "excluded"),
                    "justification": e.justification if e else None, "status": e.status if e else None,
                    "added": False})
    for e in sorted(entries.values(), key=lambda e: e.control_id):
        out.append({"control": e.control_id, "title": e.added_title, "group": "added by the organization",
                    "decision": "included" if e.included else "excluded", "justification": e.justification,
                    "status": e.status, "added": True})
    return out
