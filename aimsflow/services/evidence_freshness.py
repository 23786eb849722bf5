"""Evidence freshness: evidence that will be stale on the next audit date is requested again ahead of it.

The next audit is the earliest planned (or running) audit from today; without one, the next date
the certification cycle requires (surveillance 1, the end of the surveillance 2 window, expiry).
Each stale piece of evidence opens one renewal request, keyed by control and evidence id, so a
weekly sweep asks once.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import col, select

from aimsflow.rules import working_days
from aimsflow.services import work
from aimsflow.services.certification import current_certificate, plan_for
from aimsflow.uow import UnitOfWork
from models import Audit, Evidence, EvidenceLink, Person, Program
from states.audit import AuditState
from states.evidence import EvidenceState
from states.program import ProgramState

CURRENT = (EvidenceState.SUBMITTED.value, EvidenceState.ACCEPTED.value)
LEAD_DAYS = 14  # renewed evidence is due two weeks before it expires or the audit starts


def next_audit(uow: UnitOfWork, program: Program, today: date) -> tuple[date, str] | None:
    """(date, what) of the next audit the evidence must be fresh for, or None."""
    audit = uow.session.exec(select(Audit).where(
        Audit.program_id == program.id, col(Audit.state).in_([AuditState.PLANNED.value, AuditState.IN_PROGRESS.value]),
        Audit.end_date >= today).order_by(col(Audit.start_date))).first()
    if audit is not None:
        return max(audit.start_date, today), f"{audit.kind} audit AUD-{audit.id}"
    cert = current_certificate(uow.session, program)
    if cert is None:
        return None
    w = plan_for(uow, program, cert, decision_facts=False).windows
    assert w is not None
    state = ProgramState(program.state)
    if state is ProgramState.CERTIFIED:
        return w.surveillance_1_due, "surveillance audit 1 (latest date)"
    if state is ProgramState.SURVEILLANCE_1:
        return w.surveillance_2_window[1], "surveillance audit 2 (latest date)"
    if state in (ProgramState.SURVEILLANCE_2, ProgramState.RECERTIFICATION):
        return cert.expiry, "recertification audit (before expiry)"
    return None


def request_fresh_evidence(uow: UnitOfWork, program: Program, *, actor: str = "evidence-freshness") -> dict[str, Any]:
    """Open a renewal request for every current evidence that expires before the next audit."""
    today = uow.today(program)
    target = next_audit(uow, program, today)
    result: dict[str, Any] = {"program": program.key, "next_audit": None, "stale": [], "requested": []}
    if target is None:
        return result
    audit_day, what = target
    result["next_audit"] = {"date": audit_day.isoformat(), "what": what}
    rows = uow.session.exec(select(Evidence, EvidenceLink.ref).join(
        EvidenceLink, EvidenceLink.evidence_id == Evidence.id).where(  # type: ignore[arg-type]
        Evidence.program_id == program.id, col(Evidence.state).in_(CURRENT)).order_by(col(Evidence.id))).all()
    fresh_refs = {r for ev, r in rows if ev.valid_until >= audit_day}
    for ev, control in rows:
        if ev.valid_until >= audit_day or control in fresh_refs:
            continue  # still valid then, or already renewed by newer evidence
        result["stale"].append({"evidence": f"EV-{ev.id}", "ref": control, "valid_until": ev.valid_until.isoformat()})
        due = max(today + timedelta(days=7), min(ev.valid_until, audit_day) - timedelta(days=LEAD_DAYS))
        owner = uow.session.get(Person, ev.submitted_by_id) if ev.submitted_by_id else None
        item = work.open_item(
            uow, program, key=f"evidence:{control}:renew:{ev.id}", kind="evidence", subject=control,
            title=f"Renew evidence for {control}: {ev.file_name} is valid until {ev.valid_until}, before the "
                  f"{what} on {audit_day}",
            role="owner", due=working_days.next_working_day(due, program.country), phase=program.state,
            actor=actor, assignee=owner)
        if item:
            result["requested"].append(item)
    return result
