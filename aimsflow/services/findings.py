"""Findings of an audit (concern, major, minor, opportunity for improvement) and what they open.

Every finding but an opportunity for improvement opens a nonconformity with its first corrective-action
round; a major from a certification audit gets the body's verification deadline. Raising one looks
elsewhere, as 10.2 asks: the open nonconformities on the same requirement, and several minors on it.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from aimsflow.catalog import load_catalog
from aimsflow.errors import InvalidInput, NotFound, Refused
from aimsflow.rules import certification_cycle
from aimsflow.services.audits import start_if_planned
from aimsflow.services.lookup import get_by_ref, people_with_role, ref
from aimsflow.services.notifications import enqueue
from aimsflow.uow import UnitOfWork
from models import Audit, Finding, Nonconformity, Program, SoAEntry
from states.audit import CB_AUDITS, AuditKind, AuditState
from states.nonconformity import Severity

SEVERITIES_BY_KIND = {
    AuditKind.STAGE_1: {Severity.CONCERN, Severity.OFI},
    AuditKind.STAGE_2: {Severity.MAJOR, Severity.MINOR, Severity.OFI},
}

def add_finding(uow: UnitOfWork, audit_ref: str, *, severity: str, ref_id: str, text: str,
                actor: str = "cli") -> dict[str, Any]:
    """Raise a finding; every finding but an opportunity for improvement opens a nonconformity."""
    audit = get_by_ref(uow.session, audit_ref, Audit)
    program = uow.session.get_one(Program, audit.program_id)
    severities = [s.value for s in Severity]
    if severity not in severities:
        raise InvalidInput(f"'{severity}' is not one of {', '.join(severities)}", field="severity")
    sev = Severity(severity)
    kind = AuditKind(audit.kind)
    allowed = SEVERITIES_BY_KIND.get(kind, {Severity.MAJOR, Severity.MINOR, Severity.OFI})
    if sev not in allowed:
        raise Refused(f"{ref(audit)} is a {kind} audit: its findings are {', '.join(sorted(allowed))}, not {sev}",
                      state=audit.state)
    ref_id = ref_id.strip()
    known = load_catalog().knows(ref_id) or uow.session.exec(select(SoAEntry).where(
        SoAEntry.program_id == program.id, SoAEntry.control_id == ref_id)).first() is not None
    if not known:
        raise NotFound(f"'{ref_id}' is not a clause (4.1 ... 10.2) or a control (A.2.2 ... A.10.4)", field="ref_id")
    if not text.strip():
        raise InvalidInput("a finding needs its text: describe the finding", field="text")
    if audit.state not in (AuditState.PLANNED, AuditState.IN_PROGRESS):
        raise Refused(f"{ref(audit)} is {audit.state}: findings are raised while an audit is planned or in progress",
                      state=audit.state)
    start_if_planned(uow, program, audit, actor)
    finding = Finding(program_id=program.id, audit_id=audit.id, source=audit.kind, severity=sev.value,  # type: ignore[arg-type]
                      ref=ref_id, text=text.strip(), raised_on=audit.end_date, raised_at=uow.stamp)
    uow.session.add(finding)
    uow.session.flush()
    result: dict[str, Any] = {"finding": finding.id, "audit": ref(audit), "severity": sev.value, "ref": ref_id}
    if sev is not Severity.OFI:
        verify_by = None
        if sev is Severity.MAJOR and kind in CB_AUDITS:
            verify_by = certification_cycle.major_verification_deadline(audit.end_date,
                                                                        program.major_verification_days)
        nc = Nonconformity(program_id=program.id, finding_id=finding.id, severity=sev.value, ref=ref_id,  # type: ignore[arg-type]
                           raised_on=audit.end_date, verify_by=verify_by)
        uow.session.add(nc)
        uow.session.flush()
        from aimsflow.services.nonconformities import start_round

        start_round(uow, program, nc)
        uow.record(program, actor=actor, lifecycle="nonconformity", row_ref=ref(nc), trigger="raise",
                   to_state=nc.state, payload={"audit": ref(audit), "severity": sev.value, "ref": ref_id,
                                               "text": text.strip(), "verify_by": verify_by})
        for pm in people_with_role(uow.session, program, "program-manager"):
            enqueue(uow, program, kind="nonconformity", key=f"nc:{nc.id}:{pm.id}", person=pm,
                    context={"nc_id": ref(nc), "severity": sev.value, "ref": ref_id, "text": text.strip(),
                             "source": f"the {kind} audit {ref(audit)}",
                             "verify_by": verify_by.isoformat() if verify_by else ""})
        result["nonconformity"] = ref(nc)
        result["verify_by"] = verify_by.isoformat() if verify_by else None
        result.update(_look_elsewhere(uow, program, audit, nc))
    else:
        uow.record(program, actor=actor, lifecycle="audit", row_ref=ref(audit), trigger="finding",
                   payload={"severity": "ofi", "ref": ref_id, "text": text.strip()})
    return result


# Several minors on one requirement can make a major: the CB grades them, we point it out from here.
SEVERAL_MINORS = 3


def _look_elsewhere(uow: UnitOfWork, program: Program, audit: Audit, nc: Nonconformity) -> dict[str, Any]:
    """10.2 asks to look for similar nonconformities: the other open ones on this requirement."""
    others = list(uow.session.exec(select(Nonconformity).where(
        Nonconformity.program_id == program.id, Nonconformity.ref == nc.ref, Nonconformity.id != nc.id,
        Nonconformity.state != "closed").order_by(col(Nonconformity.id))))
    hints: dict[str, Any] = {"similar_open": [ref(o) for o in others]}
    if nc.severity == Severity.MINOR:
        minors_here = len(list(uow.session.exec(select(Finding.id).where(
            Finding.audit_id == audit.id, Finding.ref == nc.ref, Finding.severity == Severity.MINOR))))
        if minors_here >= SEVERAL_MINORS:
            hints["warning"] = (f"{minors_here} minor nonconformities on {nc.ref} in {ref(audit)}: several minors "
                                "on one requirement can make a major (the certification body grades them)")
    return hints
