"""The AI system inventory and each system's impact assessment (6.1.4, 8.4)."""

from datetime import date, datetime

from sqlmodel import Field, UniqueConstraint

from models.base import Versioned, person_fk, program_fk
from states.impact_assessment import ImpactAssessmentState


class AISystem(Versioned, table=True):
    __tablename__ = "ai_system"
    __table_args__ = (UniqueConstraint("program_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    name: str
    purpose: str
    description: str | None = None
    status: str  # states.ai_system.AISystemState
    ai_role: str | None = None  # provider, deployer, ... (4.1)
    risk_level: str  # states.ai_system.RiskLevel
    owner_id: int | None = person_fk()
    in_scope: bool
    last_significant_change: datetime | None = None


class ImpactAssessment(Versioned, table=True):
    __tablename__ = "impact_assessment"
    __table_args__ = (UniqueConstraint("system_id"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    system_id: int = Field(foreign_key="ai_system.id")
    state: str = ImpactAssessmentState.REQUIRED.value
    assessed_on: date | None = None
    assessed_by_id: int | None = person_fk()
    next_due: date | None = None
    summary: str | None = None
    stale_reason: str | None = None
