"""What waits for a reviewer: submitted work and submitted evidence nobody has accepted or rejected yet.

Work that needs an independent review (evidence, records) waits in `submitted` for the reviewer
chosen at submission; evidence added on its own (`evidence add`) waits for anyone but its
submitter. Oldest first: what has waited longest is what a program manager chases.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, func, select

from aimsflow.rules.working_days import local_date
from aimsflow.services.lookup import find_person
from aimsflow.uow import UnitOfWork
from models import Evidence, Person, Program, WorkItem
from states.evidence import EvidenceState
from states.work_item import WorkItemState


def list_awaiting_review(uow: UnitOfWork, program: Program, *, reviewer: str | None = None) -> list[dict[str, Any]]:
    """Submitted work items and evidence waiting for a decision, oldest first (only one reviewer's if asked).

    Each row: id, kind, title, subject, submitter, reviewer (None: any program manager, or for evidence
    anyone but its submitter), since (the submission's date), days waiting, and the evidence attached.
    """
    today = uow.today(program)
    names = {p.id: p.name for p in uow.session.exec(select(Person).where(Person.program_id == program.id))}
    items = select(WorkItem).where(WorkItem.program_id == program.id, WorkItem.state == WorkItemState.SUBMITTED.value)
    if reviewer is not None:
        items = items.where(WorkItem.reviewer_id == find_person(uow.session, program, reviewer, "reviewer").id)
    waiting = list(uow.session.exec(items.order_by(col(WorkItem.submitted_at), col(WorkItem.id))))
    attached = dict(uow.session.exec(
        select(Evidence.work_item_id, func.count()).where(
            col(Evidence.work_item_id).in_([i.id for i in waiting]),
            Evidence.state == EvidenceState.SUBMITTED.value).group_by(col(Evidence.work_item_id))).all())
    rows: list[dict[str, Any]] = []
    for item in waiting:
        since = local_date(item.submitted_at, program.timezone) if item.submitted_at else None
        rows.append({"id": f"WI-{item.id}", "kind": item.kind, "title": item.title, "subject": item.subject,
                     "submitter": names.get(item.submitted_by_id) if item.submitted_by_id else None,
                     "reviewer": names.get(item.reviewer_id) if item.reviewer_id else None,
                     "since": since.isoformat() if since else None,
                     "days": (today - since).days if since else None, "evidence": attached.get(item.id, 0)})
    if reviewer is None:  # evidence added on its own has no named reviewer: it shows only in the whole list
        for ev in uow.session.exec(select(Evidence).where(
                Evidence.program_id == program.id, Evidence.state == EvidenceState.SUBMITTED.value,
                Evidence.work_item_id == None).order_by(col(Evidence.collected_at), col(Evidence.id))):  # noqa: E711
            since = local_date(ev.collected_at, program.timezone)
            rows.append({"id": f"EV-{ev.id}", "kind": "evidence", "title": ev.file_name,
                         "subject": ", ".join(ev.refs),
                         "submitter": names.get(ev.submitted_by_id) if ev.submitted_by_id else None,
                         "reviewer": None, "since": since.isoformat(), "days": (today - since).days, "evidence": 1})
    rows.sort(key=lambda r: (r["since"] or "", r["id"][:2], int(r["id"][3:])))
    return rows
