"""The Statement of Applicability (6.1.3): a decision and justification for every control."""

from datetime import datetime

from sqlmodel import Field, UniqueConstraint

from models.base import Versioned, program_fk, utcnow


class SoAEntry(Versioned, table=True):
    __tablename__ = "soa_entry"
    __table_args__ = (UniqueConstraint("program_id", "control_id"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    control_id: str  # an Annex A id, or the organization's own added control
    added_title: str | None = None  # set for a control the organization adds
    included: bool
    justification: str
    status: str = "planned"  # planned | partial | implemented | not-applicable
    decided_at: datetime = Field(default_factory=utcnow)
