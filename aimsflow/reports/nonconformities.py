"""The nonconformity and corrective-action report (10.2), including every round of the loop."""

from __future__ import annotations

from sqlmodel import col, select

from aimsflow.reports.common import AUDIT_NAMES, Data, day, header, name_of, people
from aimsflow.services.entered_by import entries, shown_as
from aimsflow.uow import UnitOfWork
from models import CorrectiveAction, Finding, Nonconformity, Program

SEVERITIES = ("major", "minor", "concern")


def compile_nonconformities(uow: UnitOfWork, program: Program) -> Data:
    """Each nonconformity with its finding, deadline and corrective-action rounds."""
    head = header(uow, program, "Nonconformities and corrective actions", "ISO/IEC 42001 10.2")
    today = head["generated"]
    names = people(uow, program)
    assert program.id is not None
    typed_in = entries(uow, program.id, "nonconformity", ("implement", "verify"))
    rounds: dict[int, list[Data]] = {}
    for a in uow.session.exec(select(CorrectiveAction).where(CorrectiveAction.program_id == program.id)
                              .order_by(col(CorrectiveAction.nonconformity_id), col(CorrectiveAction.round))):
        rounds.setdefault(a.nonconformity_id, []).append({
            "round": a.round, "correction": a.correction, "root_cause": a.root_cause, "plan": a.plan,
            "implemented_by": shown_as(name_of(names, a.implemented_by_id),
                                       typed_in.get((f"NC-{a.nonconformity_id}", "implement", a.round))),
            "implemented_on": day(a.implemented_at, program),
            "verified_by": shown_as(name_of(names, a.verified_by_id),
                                    typed_in.get((f"NC-{a.nonconformity_id}", "verify", a.round))),
            "verified_on": day(a.verified_at, program),
            "effective": a.effective, "verification_note": a.verification_note,
        })
    ncs: list[Data] = []
    for nc, f in uow.session.exec(
        select(Nonconformity, Finding).join(Finding, Finding.id == Nonconformity.finding_id)  # type: ignore[arg-type]
        .where(Nonconformity.program_id == program.id).order_by(col(Nonconformity.id))
    ):
        verified = nc.state in ("effectiveness_verified", "closed")
        ncs.append({
            "id": f"NC-{nc.id}", "severity": nc.severity, "ref": nc.ref, "state": nc.state,
            "source": AUDIT_NAMES.get(f.source, f.source),
            "audit": f"AUD-{f.audit_id}" if f.audit_id else None, "text": f.text,
            "raised_on": day(nc.raised_on, program), "verify_by": day(nc.verify_by, program),
            "past_deadline": bool(nc.verify_by and not verified and nc.verify_by.isoformat() < today),
            "closed_on": day(nc.closed_on, program), "rounds": rounds.get(nc.id, []) if nc.id else [],
        })
    summary = {"total": len(ncs), "open": sum(1 for n in ncs if n["state"] != "closed"),
               "by_severity": {s: sum(1 for n in ncs if n["severity"] == s) for s in SEVERITIES},
               "past_deadline": [n["id"] for n in ncs if n["past_deadline"]],
               "ineffective_rounds": sum(1 for n in ncs for r in n["rounds"] if r["effective"] is False)}
    return {"header": head, "nonconformities": ncs, "summary": summary}
