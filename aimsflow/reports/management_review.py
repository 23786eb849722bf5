"""Management review minutes (9.3): inputs (a)-(e), outputs, and actions with owners and due dates."""

from __future__ import annotations

from sqlmodel import col, select

from aimsflow.reports.common import Data, day, header, name_of, people
from aimsflow.rules.gates import REVIEW_INPUTS
from aimsflow.services.reviews import INPUT_FIELDS
from aimsflow.uow import UnitOfWork
from models import ManagementReview, Program, WorkItem

INPUT_LABELS = {
    "a": "status of actions from earlier reviews",
    "b": "changes in external and internal issues",
    "c": "changes in the needs and expectations of interested parties",
    "d": "performance of the AIMS: nonconformities, monitoring results, audit results",
    "e": "opportunities for continual improvement",
}


def _action_number(key: str) -> int:
    tail = key.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def compile_management_review(uow: UnitOfWork, program: Program) -> Data:
    """Every review held, each with its inputs, outputs and actions (work items review-action:<id>:<n>)."""
    head = header(uow, program, "Management review minutes", "ISO/IEC 42001 9.3")
    names = people(uow, program)
    actions = list(uow.session.exec(select(WorkItem).where(
        WorkItem.program_id == program.id, WorkItem.kind == "review_action")))
    reviews = []
    for r in uow.session.exec(select(ManagementReview).where(ManagementReview.program_id == program.id)
                              .order_by(col(ManagementReview.held_on), col(ManagementReview.id))):
        prefix = f"review-action:{r.id}:"
        mine = sorted((w for w in actions if w.key.startswith(prefix)), key=lambda w: _action_number(w.key))
        reviews.append({
            "id": f"MR-{r.id}", "held_on": day(r.held_on, program), "chair": name_of(names, r.chair_id),
            "inputs": [{"key": k, "label": INPUT_LABELS[k], "text": (getattr(r, INPUT_FIELDS[k]) or "").strip() or None}
                       for k in REVIEW_INPUTS],
            "outputs": r.outputs.strip() or None,
            "actions": [{"id": f"WI-{w.id}", "number": _action_number(w.key), "title": w.title,
                         "owner": name_of(names, w.assignee_id), "due": day(w.due_date, program), "state": w.state,
                         "completed": day(w.completed_at, program),
                         "late": w.completed_at is None and w.due_date.isoformat() < head["generated"]}
                        for w in mine],
        })
    return {"header": head, "reviews": reviews}
