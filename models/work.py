"""Work items (assigned deliverables) and the clause assessments of the gap analysis."""

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, UniqueConstraint

from models.base import Versioned, person_fk, program_fk, utcnow
from states.work_item import WorkItemState


class WorkItem(Versioned, table=True):
    __tablename__ = "work_item"
    # `key` makes creation idempotent: starting a phase twice creates each item once.
    __table_args__ = (
        UniqueConstraint("program_id", "key"),
        # The deadline sweep reads active items by due date: its cost follows the due work.
        Index("ix_work_item_sweep", "program_id", "state", "due_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    key: str
    kind: str
    subject: str  # what it is about: a clause, control, AI system, NC, review ...
    title: str
    phase: str | None = None
    role: str  # the role the item is for; an unassigned item goes to the next person given it
    assignee_id: int | None = person_fk()
    reviewer_id: int | None = person_fk()  # set when completion needs someone else's acceptance
    due_date: date
    state: str = Field(default=WorkItemState.OPEN.value)
    created_at: datetime = Field(default_factory=utcnow)
    submitted_at: datetime | None = None
    submitted_by_id: int | None = person_fk()
    completed_at: datetime | None = None
    decided_by_id: int | None = person_fk()
    note: str | None = None
    reminders_sent: str = ""  # reminder offsets already sent, e.g. "7,1"
    escalation_level: int = 0  # 0 none, 1 program manager, 2 top management
    # The assignee's one-time completion code, as a salted hash only (the code itself is mailed).
    completion_code_hash: str | None = None
    owner_run_id: str | None = None  # the Prefect flow run waiting for the assignee, once started
    # The reviewer's one-time code (salted hash; the code is mailed) and the run waiting for their decision.
    review_code_hash: str | None = None
    review_run_id: str | None = None


class ClauseAssessment(Versioned, table=True):
    __tablename__ = "clause_assessment"
    __table_args__ = (UniqueConstraint("program_id", "clause_id"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    clause_id: str = Field(foreign_key="clause.id")
    rating: str  # conforms | partial | gap
    note: str
    assessed_by_id: int | None = person_fk()
    assessed_at: datetime = Field(default_factory=utcnow)
