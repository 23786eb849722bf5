"""The certification program: one organization and scope, with its certification-body settings."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from models.base import Versioned, json_list, program_fk, utcnow
from states.program import ProgramState


class CertificationBodySettings(SQLModel):
    """The CB's practice (configurable per program; DOMAIN.md marks these *configurable*)."""

    major_verification_days: int = 90
    # ISO/IEC 17021-1 caps these two at 6 months, whatever a CB prefers; two separate rules.
    new_stage_2_after_months: int = 6
    restoration_window_months: int = 6
    stage_1_to_stage_2_months: int = 6
    reminder_days: str = "7,1"
    escalate_to_pm_after_days: int = 3
    escalate_to_top_after_days: int = 10
    preparation_lead_days: int = 60
    impact_assessment_interval_months: int = 12
    evidence_valid_months: int = 12
    # Audit readiness: an internal audit and a management review within this many months before a CB audit.
    readiness_lookback_months: int = 12
    policy_review_interval_months: int = 12  # the AI policy's planned review interval (A.2.4)
    # Audit effort: surveillance about a third, recertification about two thirds of the initial days.
    surveillance_effort_percent: int = 33
    recertification_effort_percent: int = 67
    # Findings between audits: a minor found unaddressed at the next audit is raised to a major.
    raise_unaddressed_minors: bool = True
    # A suspension not resolved within this many months ends in withdrawal of the certificate.
    suspension_limit_months: int = 6


class ProgramBase(CertificationBodySettings):
    key: str = Field(index=True, unique=True, max_length=64)
    name: str
    organization: str
    scope: str
    timezone: str = "Asia/Singapore"
    country: str = "SG"
    start_date: date


class Program(ProgramBase, Versioned, table=True):
    id: int | None = Field(default=None, primary_key=True)
    existing_certifications: list[str] = json_list()
    state: str = Field(default=ProgramState.GAP_ANALYSIS.value, index=True)
    cycle: int = 1
    suspended_from: str | None = None
    suspended_on: date | None = None
    # What a suspension is for ("surveillance 1", "NC-7"): it is lifted when every cause is resolved.
    suspension_causes: list[str] = json_list()
    scope_statement: str | None = None
    risk_scale: int = 5
    risk_threshold: int | None = None  # likelihood x impact above this needs top-management acceptance
    created_at: datetime = Field(default_factory=utcnow)


class PhaseRecord(Versioned, table=True):
    """One phase of one program: planned against actual dates (the roadmap)."""

    __table_args__ = (UniqueConstraint("program_id", "phase", "cycle"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    phase: str
    cycle: int = 1
    planned_start: date
    planned_end: date
    started_on: date
    ended_on: date | None = None


class Waiver(SQLModel, table=True):
    """A gate or audit-readiness item waived by top management with a written reason: part of the record.

    `phase` is the program state the waiver was given in; `audit_id` is set for an audit's readiness item.
    """

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    phase: str
    audit_id: int | None = Field(default=None, foreign_key="audit.id")
    item: str
    by_person_id: int = Field(foreign_key="person.id")
    reason: str
    at: datetime = Field(default_factory=utcnow)


class Setting(SQLModel, table=True):
    """Process-wide settings kept in the database so every process agrees (the simulated clock)."""

    key: str = Field(primary_key=True)
    value: str
