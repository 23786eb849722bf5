"""AI risks (6.1.2, 6.1.3): likelihood x impact, treatment, residual and its acceptance."""

from datetime import datetime

from sqlmodel import Field, UniqueConstraint

from models.base import Versioned, person_fk, program_fk, utcnow
from states.risk import RiskState


class Risk(Versioned, table=True):
    __table_args__ = (UniqueConstraint("program_id", "title"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    title: str
    source: str | None = None  # an Annex C.3 risk source
    system_id: int | None = Field(default=None, foreign_key="ai_system.id")
    owner_id: int | None = person_fk()
    state: str = RiskState.IDENTIFIED.value
    likelihood: int | None = None
    impact: int | None = None
    treatment: str | None = None
    treatment_plan: str | None = None
    controls: str = ""  # comma-separated control ids the treatment relies on
    residual_likelihood: int | None = None
    residual_impact: int | None = None
    accepted_by_id: int | None = person_fk()
    acceptance_reason: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
