"""The surveillance readiness pack: what a CB looks at before a surveillance or recertification audit.

"Ready" and the missing items come from the audit's readiness (`services.audit_readiness`, the audit's
start guard); the tables list the same facts the rule judged (`services.audit_facts.readiness_facts`),
so the pack never says ready while a fact it shows is missing.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from aimsflow.reports.common import Data, day, header, name_of, people
from aimsflow.rules.audit_readiness import IMPLEMENTED_OR_LATER, policy_review_due
from aimsflow.services.audit_facts import readiness_facts
from aimsflow.services.audit_readiness import audit_readiness, next_audit_kind
from aimsflow.uow import UnitOfWork
from models import ManagementReview, Program
from states.audit import AuditKind

CYCLE_AUDITS = (AuditKind.SURVEILLANCE, AuditKind.RECERTIFICATION)


def compile_surveillance_pack(uow: UnitOfWork, program: Program) -> Data:
    """The next surveillance (or recertification) audit's readiness, with the record behind each item."""
    upcoming = next_audit_kind(uow, program)
    kind = upcoming if upcoming in CYCLE_AUDITS else AuditKind.SURVEILLANCE
    readiness = audit_readiness(uow, program, kind=kind)
    on = date.fromisoformat(readiness["date"])
    facts = readiness_facts(uow.session, program, kind=kind, on=on)
    names = people(uow, program)
    chairs = {f"MR-{r.id}": name_of(names, r.chair_id) for r in uow.session.exec(
        select(ManagementReview).where(ManagementReview.program_id == program.id).order_by(col(ManagementReview.id)))}
    since = facts.since
    return {
        "header": header(uow, program, "Surveillance readiness pack", f"before the {readiness['label']} audit"),
        "readiness": readiness, "ready": readiness["ready"], "since": day(since, program),
        "internal_audits": [day(d, program) for d in sorted(facts.internal_audits_closed) if d >= since],
        "reviews": [{"id": r.ref, "held_on": day(r.held_on, program), "chair": chairs.get(r.ref),
                     "inputs": sorted(r.inputs), "previous_actions": list(r.previous_actions)}
                    for r in facts.reviews if r.held_on >= since],
        "previous_audit": facts.previous_audit,
        "minors": [{"id": ref, "state": state, "implemented": state in IMPLEMENTED_OR_LATER}
                   for ref, state in facts.previous_minors],
        "evidence": [{"control": c, "valid_until": day(until, program), "valid": until is not None and until >= on}
                     for c, until in sorted(facts.evidence.items())],
        "systems": [{"name": s.name, "state": s.state or "none", "next_due": day(s.next_due, program)}
                    for s in facts.systems],
        "policy": {"reviewed_on": day(facts.policy_reviewed_on, program),
                   "due": day(policy_review_due(facts.policy_reviewed_on, facts.policy_review_interval_months),
                              program) if facts.policy_reviewed_on else None},
    }
