"""Incidents, complaints and monitoring results (10.2, A.8.4, Art. 73) on an AI system of the inventory."""

from datetime import date

from sqlmodel import Field

from models.base import Versioned, program_fk
from states.incident import IncidentState


class Incident(Versioned, table=True):
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    system_id: int = Field(foreign_key="ai_system.id", index=True)
    kind: str  # states.incident.IncidentKind
    severity: str  # states.incident.IncidentSeverity
    serious: bool = False  # a serious incident under the EU AI Act (Art. 3(49), reported under Art. 73)
    serious_cause: str | None = None  # aimsflow.rules.incident_reporting: a cause with a shorter deadline
    found_on: date
    aware_on: date  # the reporting deadline runs from awareness
    description: str
    reported_on: date | None = None
    nonconformity_id: int | None = Field(default=None, foreign_key="nonconformity.id")
    state: str = Field(default=IncidentState.OPEN.value, index=True)
