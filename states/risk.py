"""The risk lifecycle (6.1.2, 6.1.3): identified, assessed, treated, accepted or closed."""

from enum import StrEnum

from states.machine import Lifecycle, Transition


class Treatment(StrEnum):
    MITIGATE = "mitigate"
    ACCEPT = "accept"
    TRANSFER = "transfer"
    AVOID = "avoid"


class RiskState(StrEnum):
    IDENTIFIED = "identified"
    ASSESSED = "assessed"
    TREATED = "treated"
    ACCEPTED = "accepted"
    CLOSED = "closed"


S = RiskState

RISK = Lifecycle(
    name="risk",
    states=RiskState,
    initial=S.IDENTIFIED,
    final=frozenset({S.CLOSED.value}),
    description="A risk is assessed on likelihood x impact, treated, and its residual accepted within criteria.",
    transitions=(
        Transition("assess", [S.IDENTIFIED, S.ASSESSED, S.TREATED, S.ACCEPTED], S.ASSESSED),
        Transition("treat", [S.ASSESSED, S.TREATED], S.TREATED),
        Transition("accept", S.TREATED, S.ACCEPTED, ("acceptance_authorised",)),
        Transition("close", [S.TREATED, S.ACCEPTED], S.CLOSED),
    ),
)
