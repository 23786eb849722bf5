"""The Statement of Applicability: every Annex A control and every added control, with evidence and risks."""

from __future__ import annotations

from sqlmodel import col, select

from aimsflow.reports.common import Data, day, header
from aimsflow.services.soa import STATUSES, list_entries
from aimsflow.uow import UnitOfWork
from models import Evidence, EvidenceLink, Program, Risk


def evidence_status(ev: Evidence, today_iso: str) -> str:
    """Accepted evidence past its valid-until date counts as expired."""
    return "expired" if ev.state == "accepted" and ev.valid_until.isoformat() < today_iso else ev.state


def compile_soa(uow: UnitOfWork, program: Program) -> Data:
    """Included or excluded, justification, status, evidence and risks; unjustified exclusions flagged."""
    head = header(uow, program, "Statement of Applicability", "ISO/IEC 42001 6.1.3 and Annex A")
    today = head["generated"]
    links: dict[str, list[Data]] = {}
    for ref, ev in uow.session.exec(
        select(EvidenceLink.ref, Evidence).join(Evidence, Evidence.id == EvidenceLink.evidence_id)  # type: ignore[arg-type]
        .where(EvidenceLink.program_id == program.id).order_by(col(Evidence.id))
    ):
        links.setdefault(ref, []).append({"id": f"EV-{ev.id}", "file": ev.file_name, "sha256": ev.sha256,
                                          "status": evidence_status(ev, today),
                                          "valid_until": day(ev.valid_until, program)})
    risks: dict[str, list[Data]] = {}
    for r in uow.session.exec(select(Risk).where(Risk.program_id == program.id).order_by(col(Risk.id))):
        for control in filter(None, (c.strip() for c in r.controls.split(","))):
            risks.setdefault(control, []).append({"id": f"RISK-{r.id}", "title": r.title})
    controls = []
    for e in list_entries(uow, program):
        justification = (e["justification"] or "").strip()
        controls.append({
            **e, "justification": justification or None,
            "unjustified": e["decision"] is not None and not justification,
            "undecided": e["decision"] is None,
            "evidence": links.get(e["control"], []), "risks": risks.get(e["control"], []),
        })
    summary = {
        "total": len(controls),
        "annex_a": sum(1 for c in controls if not c["added"]),
        "added": sum(1 for c in controls if c["added"]),
        "included": sum(1 for c in controls if c["decision"] == "included"),
        "excluded": sum(1 for c in controls if c["decision"] == "excluded"),
        "undecided": sum(1 for c in controls if c["undecided"]),
        "unjustified": [c["control"] for c in controls if c["unjustified"]],
        "unjustified_exclusions": [c["control"] for c in controls if c["unjustified"] and c["decision"] == "excluded"],
        "by_status": {s: sum(1 for c in controls if c["status"] == s) for s in STATUSES},
        "included_without_evidence": [c["control"] for c in controls if c["decision"] == "included"
                                      and not any(ev["status"] == "accepted" for ev in c["evidence"])],
    }
    return {"header": head, "controls": controls, "summary": summary}
