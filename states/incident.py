"""The incident lifecycle (10.2, A.8.4, Art. 73): an incident, complaint or monitoring result is open
until it is reported (a serious incident, to the market surveillance authority) and closed."""

from enum import StrEnum

from states.machine import Lifecycle, Transition


class IncidentKind(StrEnum):
    INCIDENT = "incident"
    COMPLAINT = "complaint"
    MONITORING = "monitoring"


class IncidentSeverity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class IncidentState(StrEnum):
    OPEN = "open"
    REPORTED = "reported"
    CLOSED = "closed"


S = IncidentState

INCIDENT = Lifecycle(
    name="incident",
    states=IncidentState,
    initial=S.OPEN,
    final=frozenset({S.CLOSED.value}),
    description="An incident, complaint or monitoring result; a serious incident is reported to the authority.",
    transitions=(
        Transition("report", S.OPEN, S.REPORTED),
        Transition("close", [S.OPEN, S.REPORTED], S.CLOSED),
    ),
)
