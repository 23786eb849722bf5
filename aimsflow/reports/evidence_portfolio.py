"""The evidence portfolio: by clause and control, each evidence with its hash, dates and reviewer."""

from __future__ import annotations

from sqlmodel import col, select

from aimsflow.catalog import load_catalog
from aimsflow.reports.common import Data, by_catalog, catalog_order, day, header, name_of, people
from aimsflow.reports.statement_of_applicability import evidence_status
from aimsflow.services.entered_by import entries, shown_as
from aimsflow.uow import UnitOfWork
from models import Evidence, EvidenceLink, Program, SoAEntry

STATUSES = ("accepted", "submitted", "rejected", "expired", "requested")


def compile_evidence_portfolio(uow: UnitOfWork, program: Program) -> Data:
    """Every evidence record grouped by the clause or control it supports, in the standard's order."""
    head = header(uow, program, "Evidence portfolio", "ISO/IEC 42001 7.5: documented information")
    names = people(uow, program)
    assert program.id is not None
    typed_in = entries(uow, program.id, "evidence", ("submit", "accept", "reject"))
    catalog = load_catalog()
    titles = {c.id: c.title for c in catalog.clauses} | {c.id: c.title for c in catalog.controls}
    soa = list(uow.session.exec(select(SoAEntry).where(SoAEntry.program_id == program.id)))
    titles |= {e.control_id: e.added_title for e in soa if e.added_title}
    groups: dict[str, list[Data]] = {}
    for ref, ev in uow.session.exec(
        select(EvidenceLink.ref, Evidence).join(Evidence, Evidence.id == EvidenceLink.evidence_id)  # type: ignore[arg-type]
        .where(EvidenceLink.program_id == program.id).order_by(col(Evidence.id))
    ):
        groups.setdefault(ref, []).append({
            "id": f"EV-{ev.id}", "file": ev.file_name, "media_type": ev.media_type, "size": ev.size,
            "sha256": ev.sha256, "status": evidence_status(ev, head["generated"]),
            "collected": day(ev.collected_at, program), "valid_until": day(ev.valid_until, program),
            "submitted_by": shown_as(name_of(names, ev.submitted_by_id), typed_in.get((f"EV-{ev.id}", "submit", None))),
            "reviewer": shown_as(name_of(names, ev.reviewed_by_id),
                                 typed_in.get((f"EV-{ev.id}", "accept" if ev.state == "accepted" else "reject", None))),
            "review_note": ev.review_note,
        })
    order = catalog_order()
    refs = sorted(groups, key=lambda r: by_catalog(r, order))
    sections = [
        {"title": "Clauses", "groups": [{"ref": r, "title": titles.get(r), "evidence": groups[r]}
                                        for r in refs if r in catalog.clause_ids]},
        {"title": "Controls", "groups": [{"ref": r, "title": titles.get(r), "evidence": groups[r]}
                                         for r in refs if r not in catalog.clause_ids]},
    ]
    records = [ev for r in refs for ev in groups[r]]
    included = [e.control_id for e in soa if e.included]
    return {
        "header": head, "sections": sections,
        "summary": {"records": len(records), "by_status": {s: sum(1 for ev in records if ev["status"] == s)
                                                           for s in STATUSES},
                    "refs": len(refs),
                    "included_without_accepted": sorted(
                        (c for c in included if not any(ev["status"] == "accepted" for ev in groups.get(c, []))),
                        key=lambda r: by_catalog(r, order))},
    }
