"""Audit readiness: what keeps a program's next (or a named) CB audit from starting, as the guard says it.

One answer for `audit readiness`, `status` and the readiness packs: the audit lifecycle's start items
(`rules.audit_guards.start_items`, which include `rules.audit_readiness.missing_for_audit`) over the
facts `services.audit_facts` loads, less what top management has waived for an audit on the plan.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, select

from aimsflow.errors import InvalidInput
from aimsflow.rules.audit_guards import label, start_items
from aimsflow.rules.gates import waivable
from aimsflow.services.audit_facts import audit_facts
from aimsflow.services.waivers import audit_waivers
from aimsflow.uow import UnitOfWork
from models import Audit, Program
from states.audit import AuditKind, AuditState
from states.program import ProgramState

S = ProgramState
CB_KINDS = [k.value for k in (AuditKind.STAGE_1, AuditKind.STAGE_2, AuditKind.SURVEILLANCE,
                              AuditKind.RECERTIFICATION)]
# The CB audit that comes next, by the program's state (before certification: Stage 1, then Stage 2).
NEXT_KIND: dict[str, AuditKind] = {
    S.CERTIFICATION_STAGE_2: AuditKind.STAGE_2, S.CERTIFICATION_RESOLUTION: AuditKind.STAGE_2,
    S.CERTIFIED: AuditKind.SURVEILLANCE, S.SURVEILLANCE_1: AuditKind.SURVEILLANCE, S.SUSPENDED: AuditKind.SURVEILLANCE,
    S.SURVEILLANCE_2: AuditKind.RECERTIFICATION, S.RECERTIFICATION: AuditKind.RECERTIFICATION,
    S.LAPSED: AuditKind.RECERTIFICATION,
}
OPEN_AUDIT = (AuditState.PLANNED.value, AuditState.IN_PROGRESS.value)


def next_audit_kind(uow: UnitOfWork, program: Program) -> AuditKind | None:
    """The kind of the program's next CB audit (None once it is withdrawn or has no audit ahead)."""
    kind = NEXT_KIND.get(program.state)
    if kind is not None:
        return kind
    if program.state == S.CERTIFICATION_STAGE_1:
        stage_1_closed = uow.session.exec(select(Audit.id).where(
            Audit.program_id == program.id, Audit.cycle == program.cycle, Audit.kind == AuditKind.STAGE_1,
            Audit.state == AuditState.CLOSED)).first()
        return AuditKind.STAGE_2 if stage_1_closed is not None else AuditKind.STAGE_1
    return AuditKind.STAGE_1 if program.state in {S.GAP_ANALYSIS, S.FOUNDATION_BUILDING, S.CONTROLS_IMPLEMENTATION,
                                                  S.TESTING_AND_REFINEMENT} else None


def audit_readiness(uow: UnitOfWork, program: Program, *, kind: str | None = None,
                    on: date | None = None) -> dict[str, Any]:
    """Whether the program's next (or the `kind`) CB audit may start, and every item missing for it.

    The audit on the plan is judged on its own date and with its waivers; an audit not yet scheduled, on
    `on` (default today).
    """
    if kind is not None and kind not in CB_KINDS:
        raise InvalidInput(f"'{kind}' is not a certification body's audit (one of {', '.join(CB_KINDS)})",
                           field="audit")
    chosen = AuditKind(kind) if kind else next_audit_kind(uow, program)
    if chosen is None:
        return {"program": program.key, "audit": None, "label": None, "date": None, "planned": None,
                "ready": False, "missing": [], "waived": [],
                "note": f"no certification audit comes next while the program is {program.state}"}
    planned = uow.session.exec(select(Audit).where(
        Audit.program_id == program.id, Audit.kind == chosen, col(Audit.state).in_(OPEN_AUDIT))
        .order_by(col(Audit.start_date))).first()
    day = planned.start_date if planned is not None else on or uow.today(program)
    facts = audit_facts(uow.session, program, kind=chosen, start=day, audit=planned)
    waived = audit_waivers(uow, planned.id) if planned is not None else []
    items = start_items(facts)
    missing = [m for m in items if not any(waivable(m.text, w) for w in waived)]
    return {"program": program.key, "audit": chosen.value, "label": label(chosen), "date": day.isoformat(),
            "planned": f"AUD-{planned.id}" if planned is not None else None,
            "ready": not missing, "missing": [{"code": m.code, "item": m.text} for m in missing],
            "waived": [m.text for m in items if m not in missing]}
