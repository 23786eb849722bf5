"""Findings followed between audits: what each open finding is due by, and minors left unaddressed.

A certification audit's minor is verified by the body at its next audit (rules.corrective_action);
closing that audit with the minor still unverified raises it to a major when the program's setting
says so (rules.findings): the grade changes, the major's verification deadline is set, the trail
records it and the program manager is told.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, select

from aimsflow.rules import certification_cycle
from aimsflow.rules.findings import DueBy, OpenMinor, due_by, unaddressed_minors
from aimsflow.services.lookup import people_with_role, ref
from aimsflow.services.notifications import enqueue
from aimsflow.services.owner_tasks import LOOP_PREFIX
from aimsflow.uow import UnitOfWork
from models import Audit, Finding, Nonconformity, Program, WorkItem
from states.audit import CB_AUDITS, AuditState
from states.nonconformity import VERIFIED, NonconformityState, Severity
from states.work_item import ACTIVE


def next_certification_audit(uow: UnitOfWork, program: Program) -> DueBy | None:
    """The body's next audit: one planned or in progress, else the cycle's next audit by its latest date."""
    planned = uow.session.exec(select(Audit).where(
        Audit.program_id == program.id, col(Audit.kind).in_([k.value for k in CB_AUDITS]),
        col(Audit.state).in_([AuditState.PLANNED.value, AuditState.IN_PROGRESS.value]))
        .order_by(col(Audit.start_date))).first()
    if planned is not None:
        return DueBy(f"{planned.kind} {ref(planned)}", planned.end_date)
    from aimsflow.services.certification import plan_for

    plan = plan_for(uow, program, decision_facts=False)
    if plan.next_audit is not None:
        return DueBy(plan.next_audit.label, plan.next_audit.latest)
    return DueBy("surveillance-1", None) if plan.windows is None else None


def open_findings(uow: UnitOfWork, program: Program) -> list[dict[str, Any]]:
    """Every open nonconformity with the audit or date it is due by (what `status` lists)."""
    rows = list(uow.session.exec(select(Nonconformity, Finding.source).join(
        Finding, Finding.id == Nonconformity.finding_id).where(  # type: ignore[arg-type]
        Nonconformity.program_id == program.id, Nonconformity.state != NonconformityState.CLOSED)
        .order_by(col(Nonconformity.id))))
    if not rows:
        return []
    # The loop's current step of each (keys "nc:<id>:<round>:<step>", services.nonconformity_work).
    step_due: dict[int, date] = {}
    for key, day in uow.session.exec(select(col(WorkItem.key), col(WorkItem.due_date)).where(
            WorkItem.program_id == program.id, col(WorkItem.key).startswith(LOOP_PREFIX),
            col(WorkItem.state).in_([s.value for s in ACTIVE]))):
        nc_id = key.split(":")[1]
        if nc_id.isdigit():
            step_due[int(nc_id)] = min(day, step_due.get(int(nc_id), day))
    nxt = next_certification_audit(uow, program) if any(
        s in CB_AUDITS and nc.severity == Severity.MINOR for nc, s in rows) else None
    out = []
    for nc, source in rows:
        due = due_by(nc.severity, source, nc.verify_by, nxt, step_due.get(nc.id))  # type: ignore[arg-type]
        out.append({"id": ref(nc), "severity": nc.severity, "ref": nc.ref, "state": nc.state, "source": source,
                    "due_by": due.as_dict() if due else None, "due": str(due) if due else None})
    return out


def raise_unaddressed_minors(uow: UnitOfWork, program: Program, audit: Audit, *, actor: str) -> list[str]:
    """At a certification audit's close: earlier audits' minors it did not verify become majors (if set)."""
    if not program.raise_unaddressed_minors:
        return []
    rows = list(uow.session.exec(select(Nonconformity, Finding.source).join(
        Finding, Finding.id == Nonconformity.finding_id).where(  # type: ignore[arg-type]
        Nonconformity.program_id == program.id, Nonconformity.severity == Severity.MINOR,
        col(Finding.audit_id) != audit.id).order_by(col(Nonconformity.id))))
    minors = [OpenMinor(ref(nc), nc.severity, source, nc.raised_on, nc.state in VERIFIED) for nc, source in rows]
    found = set(unaddressed_minors(audit.kind, audit.start_date, minors))
    raised = []
    verify_by = certification_cycle.major_verification_deadline(audit.end_date, program.major_verification_days)
    for nc, _source in rows:
        nid = ref(nc)
        if nid not in found:
            continue
        nc.severity = Severity.MAJOR.value
        nc.verify_by = verify_by
        uow.session.add(nc)
        uow.record(program, actor=actor, lifecycle="nonconformity", row_ref=nid, trigger="raise_to_major",
                   payload={"audit": ref(audit), "from": Severity.MINOR.value, "to": Severity.MAJOR.value,
                            "verify_by": verify_by,
                            "reason": f"not verified by the certification body at {ref(audit)}"})
        for pm in people_with_role(uow.session, program, "program-manager"):
            enqueue(uow, program, kind="nonconformity", key=f"nc-major:{nc.id}:{pm.id}", person=pm,
                    context={"nc_id": nid, "severity": Severity.MAJOR.value, "ref": nc.ref,
                             "text": f"a minor found unaddressed at {ref(audit)}, raised to a major",
                             "source": f"the {audit.kind} audit {ref(audit)}", "verify_by": verify_by.isoformat()})
        raised.append(f"{nid}: minor not verified at {ref(audit)}: raised to a major (verify by {verify_by})")
    return raised
