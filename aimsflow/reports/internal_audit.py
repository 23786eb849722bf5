"""The internal audit report (9.2): each internal audit with scope, auditors and findings; the coverage."""

from __future__ import annotations

from sqlmodel import col, select

from aimsflow.reports.common import (
    AUDIT_NAMES,
    Data,
    by_catalog,
    catalog_order,
    day,
    header,
    name_of,
    people,
    split_refs,
)
from aimsflow.rules.gates import uncovered_by_internal_audit
from aimsflow.services.facts import load_facts
from aimsflow.uow import UnitOfWork
from models import Audit, AuditAuditor, Finding, Nonconformity, Program


def audit_record(uow: UnitOfWork, program: Program, audit: Audit, names: dict[int, str]) -> Data:
    """One audit as plain data: dates, auditors, scope (clauses, controls) and findings with their NCs."""
    auditors = [name_of(names, a.person_id) for a in uow.session.exec(
        select(AuditAuditor).where(AuditAuditor.audit_id == audit.id).order_by(col(AuditAuditor.id)))]
    ncs = {nc.finding_id: nc for nc in uow.session.exec(
        select(Nonconformity).where(Nonconformity.program_id == program.id))}
    findings = []
    for f in uow.session.exec(select(Finding).where(Finding.audit_id == audit.id).order_by(col(Finding.id))):
        nc = ncs.get(f.id) if f.id is not None else None
        findings.append({"severity": f.severity, "ref": f.ref, "text": f.text, "raised_on": day(f.raised_on, program),
                         "nonconformity": f"NC-{nc.id}" if nc else None, "nc_state": nc.state if nc else None})
    clauses, controls = split_refs(list(audit.scope))
    name = AUDIT_NAMES.get(audit.kind, audit.kind) + (f" {audit.sequence}" if audit.kind == "surveillance" else "")
    return {"id": f"AUD-{audit.id}", "kind": audit.kind, "name": name, "cycle": audit.cycle, "sequence": audit.sequence,
            "state": audit.state, "start": day(audit.start_date, program), "end": day(audit.end_date, program),
            "closed_on": day(audit.closed_on, program), "auditors": auditors, "scope_clauses": clauses,
            "scope_controls": controls, "findings": findings}


def compile_internal_audit(uow: UnitOfWork, program: Program) -> Data:
    """Every internal audit, and what the current cycle's closed internal audits still leave uncovered."""
    names = people(uow, program)
    audits = list(uow.session.exec(select(Audit).where(
        Audit.program_id == program.id, Audit.kind == "internal").order_by(col(Audit.id))))
    # The coverage the testing gate and the status flag judge, from the same facts and rule.
    facts = load_facts(uow.session, program, uow.today(program))
    required, uncovered = facts.audit_scope, uncovered_by_internal_audit(facts)
    order = catalog_order()
    return {
        "header": header(uow, program, "Internal audit report", "ISO/IEC 42001 9.2"),
        "audits": [audit_record(uow, program, a, names) for a in audits],
        "coverage": {"cycle": program.cycle, "required": len(required),
                     "covered": len(required) - len(uncovered),
                     "not_covered": sorted(uncovered, key=lambda r: by_catalog(r, order))},
    }
