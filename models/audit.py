"""Audits, their auditors, their findings, and the nonconformities with their corrective actions."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from models.base import Versioned, json_list, person_fk, program_fk, utcnow
from states.audit import AuditState
from states.nonconformity import NonconformityState


class Audit(Versioned, table=True):
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    kind: str  # states.audit.AuditKind
    cycle: int = 1
    sequence: int = 1  # surveillance 1 or 2
    state: str = AuditState.PLANNED.value
    start_date: date
    end_date: date
    scope: list[str] = json_list()  # the clauses and controls this audit covers
    closed_on: date | None = None


class AuditAuditor(SQLModel, table=True):
    __tablename__ = "audit_auditor"
    __table_args__ = (UniqueConstraint("audit_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    audit_id: int = Field(foreign_key="audit.id", index=True)
    person_id: int = Field(foreign_key="person.id")


class Finding(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    audit_id: int | None = Field(default=None, foreign_key="audit.id", index=True)
    source: str  # internal audit, stage 1, stage 2, surveillance, incident, monitoring, complaint
    severity: str  # states.nonconformity.Severity
    ref: str
    text: str
    raised_on: date
    raised_at: datetime = Field(default_factory=utcnow)


class Nonconformity(Versioned, table=True):
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    finding_id: int = Field(foreign_key="finding.id", unique=True)
    severity: str
    ref: str
    state: str = Field(default=NonconformityState.RAISED.value, index=True)
    raised_on: date
    verify_by: date | None = None  # the CB's deadline for a major
    round: int = 1  # corrective-action rounds: an ineffective action starts another
    closed_on: date | None = None


class CorrectiveAction(Versioned, table=True):
    """One round of the loop: the correction, root cause, action, implementation and verification."""

    __tablename__ = "corrective_action"
    __table_args__ = (UniqueConstraint("nonconformity_id", "round"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    nonconformity_id: int = Field(foreign_key="nonconformity.id", index=True)
    round: int
    correction: str | None = None
    root_cause: str | None = None
    plan: str | None = None
    implemented_by_id: int | None = person_fk()
    implemented_at: datetime | None = None
    verified_by_id: int | None = person_fk()
    verified_at: datetime | None = None
    effective: bool | None = None
    verification_note: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
