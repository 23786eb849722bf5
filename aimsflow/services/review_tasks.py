"""What a review-task run needs: the reviewer's form for submitted work, and one decision from it.

The decision goes through the one review path (`completion.review_with_code`: the reviewer's
one-time code, then `review_work` and its guard `reviewer_independent`). Any refusal raises and
nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from aimsflow.errors import InvalidInput
from aimsflow.services.completion import review_with_code
from aimsflow.services.lookup import get_by_ref, person_name, ref
from aimsflow.uow import UnitOfWork
from models import Evidence, Program, WorkItem
from states.evidence import EvidenceState
from states.work_item import WorkItemState

DECISIONS = ("accept", "reject")


@dataclass(frozen=True)
class ReviewTask:
    item: str
    program: str
    state: str
    waiting: bool  # submitted, with a reviewer: a decision is wanted
    reviewer: str | None
    submitter: str | None
    description: str  # markdown shown above the form


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    return f"{size / 1000:.1f} kB" if size < 1_000_000 else f"{size / 1_000_000:.1f} MB"


def describe_review_task(uow: UnitOfWork, item_ref: str, problem: str | None = None) -> ReviewTask:
    """The reviewer's form for an item (with `problem` at the top): what was submitted, by whom, with what."""
    item = get_by_ref(uow.session, item_ref, WorkItem)
    program = uow.session.get_one(Program, item.program_id)
    rid = ref(item)
    reviewer = person_name(uow.session, item.reviewer_id)
    submitter = person_name(uow.session, item.submitted_by_id)
    evidence = uow.session.exec(select(Evidence).where(
        Evidence.work_item_id == item.id, Evidence.state == EvidenceState.SUBMITTED).order_by(col(Evidence.id))).all()
    lines = [f"> **Not accepted:** {problem}", ""] if problem else []
    submitted = item.submitted_at.date().isoformat() if item.submitted_at else "?"
    lines += [
        f"## Review {rid}: {item.title}",
        "",
        f"**Program** {program.key} · **submitted by** {submitter or 'nobody'} on {submitted} · "
        f"**reviewer** {reviewer or 'nobody'} · **due** {item.due_date.isoformat()}",
        "",
        f"**Note from {submitter or 'the owner'}:** {item.note or '(none)'}",
        "",
        "**Evidence** (SHA-256, file, size):" if evidence else "**Evidence:** none attached.",
    ]
    lines += [f"- `{ev.sha256}` {ev.file_name} ({_size(ev.size)})" for ev in evidence]
    lines += ["", "Accept it, or reject it and say why in the **reason**: the owner gets it back with your reason "
              "on top of their form. You cannot review your own work.",
              "", "Enter the **review code** from your review notice: it makes this decision yours."]
    return ReviewTask(item=rid, program=program.key, state=item.state,
                      waiting=item.state == WorkItemState.SUBMITTED and item.reviewer_id is not None,
                      reviewer=reviewer, submitter=submitter, description="\n".join(lines))


def submit_review_form(uow: UnitOfWork, item_ref: str, *, code: str, decision: str,
                       reason: str = "") -> dict[str, Any]:
    """Accept or reject an item from its reviewer's form; a refusal raises and writes nothing."""
    if decision not in DECISIONS:
        raise InvalidInput(f"{item_ref}: decide accept or reject, not '{decision}'", field="decision")
    accept = decision == "accept"
    result = review_with_code(uow, item_ref, code=code, accept=accept, reason=(reason or "").strip() or None)
    program = uow.session.get_one(Program, get_by_ref(uow.session, item_ref, WorkItem).program_id)
    return {"outcome": result["state"], "item": result, "program": program.key, "reason": reason.strip() or None}
