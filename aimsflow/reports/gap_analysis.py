"""The gap analysis report: every clause 4.1-10.2 with its assessment, its note and the gaps it opened."""

from __future__ import annotations

from sqlmodel import col, select

from aimsflow.catalog import load_catalog
from aimsflow.reports.common import Data, day, header, name_of, people
from aimsflow.uow import UnitOfWork
from models import ClauseAssessment, Finding, Nonconformity, Program, WorkItem

RATINGS = ("conforms", "partial", "gap")


def compile_gap_analysis(uow: UnitOfWork, program: Program) -> Data:
    """Each clause with its rating and note; its gaps are the work items and nonconformities on it."""
    names = people(uow, program)
    assessed = {a.clause_id: a for a in uow.session.exec(
        select(ClauseAssessment).where(ClauseAssessment.program_id == program.id))}
    items = list(uow.session.exec(select(WorkItem).where(
        WorkItem.program_id == program.id, WorkItem.kind != "clause_assessment").order_by(col(WorkItem.id))))
    ncs = list(uow.session.exec(
        select(Nonconformity, Finding).join(Finding, Finding.id == Nonconformity.finding_id)  # type: ignore[arg-type]
        .where(Nonconformity.program_id == program.id).order_by(col(Nonconformity.id))))
    clauses = []
    for c in load_catalog().clauses:
        a = assessed.get(c.id)
        gaps = [{"id": f"WI-{w.id}", "kind": w.kind, "title": w.title, "state": w.state,
                 "owner": name_of(names, w.assignee_id), "due": day(w.due_date, program)}
                for w in items if w.subject == c.id]
        gaps += [{"id": f"NC-{nc.id}", "kind": f"{nc.severity} nonconformity", "title": f.text, "state": nc.state,
                  "owner": None, "due": day(nc.verify_by, program)}
                 for nc, f in ncs if nc.ref == c.id]
        clauses.append({
            "id": c.id, "title": c.title, "requires_document": c.document, "requires_records": c.records,
            "rating": a.rating if a else None, "note": a.note if a else None,
            "assessed_by": name_of(names, a.assessed_by_id) if a else None,
            "assessed_on": day(a.assessed_at, program) if a else None,
            "gaps": gaps,
        })
    counts = {r: sum(1 for c in clauses if c["rating"] == r) for r in RATINGS}
    counts["not assessed"] = sum(1 for c in clauses if c["rating"] not in RATINGS)
    return {"header": header(uow, program, "Gap analysis report"), "clauses": clauses, "counts": counts}
