"""The Stage 1 readiness pack: gate status, SoA summary, internal audit and review done, open concerns."""

from __future__ import annotations

from sqlmodel import col, select

from aimsflow.reports.common import Data, day, header, name_of, people
from aimsflow.reports.internal_audit import audit_record
from aimsflow.reports.inventory import compile_inventory
from aimsflow.reports.statement_of_applicability import compile_soa
from aimsflow.rules.gates import (
    REVIEW_INPUTS,
    management_review_gaps,
    open_concerns,
    open_majors,
    soa_decision_gaps,
)
from aimsflow.rules.registry import guard
from aimsflow.services.audit_readiness import audit_readiness
from aimsflow.services.entered_by import entries, shown_as
from aimsflow.services.facts import load_facts
from aimsflow.services.reviews import INPUT_FIELDS
from aimsflow.services.status import program_status
from aimsflow.uow import UnitOfWork
from models import Audit, ManagementReview, Nonconformity, Program, WorkItem
from states.program import PROGRAM

# The gates a CB's Stage 1 looks behind: the testing phase's exit, and Stage 1's own clearance.
READINESS_GATES = (("testing_gate", "testing and refinement exit gate"),
                   ("stage_1_cleared", "Stage 1 cleared (closed, every concern resolved)"))


def condensed(missing: list[str]) -> list[str]:
    """Gate items, with the one-per-reference 'internal audit: X not covered' lines joined into one."""
    prefix, suffix = "internal audit: ", " not covered"
    refs = [m[len(prefix):-len(suffix)] for m in missing if m.startswith(prefix) and m.endswith(suffix)]
    rest = [m for m in missing if not (m.startswith(prefix) and m.endswith(suffix))]
    return ([f"internal audit: {len(refs)} not covered ({', '.join(refs)})"] if refs else []) + rest


def compile_stage_1_pack(uow: UnitOfWork, program: Program) -> Data:
    """What a Stage 1 auditor checks first, each item with whether it is met."""
    head = header(uow, program, "Stage 1 readiness pack", "documentation and readiness review")
    names = people(uow, program)
    facts = load_facts(uow.session, program, uow.today(program))
    gates = [{"name": name, "label": label, "missing": condensed(guard(PROGRAM, name)(facts))}
             for name, label in READINESS_GATES]
    current = program_status(uow, program)["gate"]
    current = {**current, "missing": condensed(current["missing"])}
    audits = list(uow.session.exec(select(Audit).where(Audit.program_id == program.id).order_by(col(Audit.id))))
    internal = [audit_record(uow, program, a, names) for a in audits if a.kind == "internal" and a.state == "closed"]
    stage_1 = [audit_record(uow, program, a, names) for a in audits if a.kind == "stage1"]
    reviews = []
    for r in uow.session.exec(select(ManagementReview).where(ManagementReview.program_id == program.id)
                              .order_by(col(ManagementReview.id))):
        present = [k for k in REVIEW_INPUTS if (getattr(r, INPUT_FIELDS[k]) or "").strip()]
        reviews.append({"id": f"MR-{r.id}", "held_on": day(r.held_on, program), "chair": name_of(names, r.chair_id),
                        "inputs_present": present, "complete": len(present) == len(REVIEW_INPUTS)})
    open_ncs = [{"id": f"NC-{nc.id}", "severity": nc.severity, "ref": nc.ref, "state": nc.state,
                 "raised_on": day(nc.raised_on, program)}
                for nc in uow.session.exec(select(Nonconformity).where(
                    Nonconformity.program_id == program.id, Nonconformity.state != "closed")
                    .order_by(col(Nonconformity.id)))]
    assert program.id is not None
    typed_in = entries(uow, program.id, "work_item", ("accept", "reject"))
    documents = [{"id": f"WI-{w.id}", "kind": w.kind, "subject": w.subject, "title": w.title, "state": w.state,
                  "completed": day(w.completed_at, program),
                  "decided_by": shown_as(name_of(names, w.decided_by_id), typed_in.get(
                      (f"WI-{w.id}", "reject" if w.state == "rejected" else "accept", None)))}
                 for w in uow.session.exec(select(WorkItem).where(
                     WorkItem.program_id == program.id, col(WorkItem.kind).in_(["document", "approval"]))
                     .order_by(col(WorkItem.id)))]
    soa = compile_soa(uow, program)["summary"]
    concerns = [n for n in open_ncs if n["severity"] == "concern"]
    checklist = [
        {"item": "internal audit done", "met": bool(internal), "detail": f"{len(internal)} closed"},
        # The gates' own parts say whether each is met; the details count what the pack lists.
        {"item": "management review done with inputs (a)-(e)", "met": not management_review_gaps(facts),
         "detail": f"{len(reviews)} held"},
        {"item": "every control decided and justified", "met": not soa_decision_gaps(facts),
         "detail": f"{soa['undecided']} undecided, {len(soa['unjustified'])} without justification"},
        {"item": "no open major nonconformity", "met": not open_majors(facts),
         "detail": f"{sum(1 for n in open_ncs if n['severity'] == 'major')} open"},
        {"item": "no open Stage 1 concern", "met": not open_concerns(facts), "detail": f"{len(concerns)} open"},
    ]
    # The pack says "ready" only when the Stage 1 audit's own readiness (its start guard) passes too.
    readiness = audit_readiness(uow, program, kind="stage1")
    return {
        "header": head, "scope_statement": program.scope_statement, "checklist": checklist,
        "readiness": readiness, "ready": readiness["ready"] and all(c["met"] for c in checklist),
        "gates": gates, "current_gate": current, "soa": soa,
        "inventory": compile_inventory(uow, program)["summary"],
        "internal_audits": internal, "reviews": reviews, "stage_1_audits": stage_1,
        "open_nonconformities": open_ncs, "open_concerns": concerns, "documents": documents,
    }
