"""The AI system lifecycle in the inventory: planned, in development, deployed, retired."""

from enum import StrEnum

from states.machine import Lifecycle, Transition


class AISystemState(StrEnum):
    PLANNED = "planned"
    IN_DEVELOPMENT = "in-development"
    DEPLOYED = "deployed"
    RETIRED = "retired"


class RiskLevel(StrEnum):
    PROHIBITED = "prohibited"
    HIGH = "high"
    LIMITED = "limited"
    MINIMAL = "minimal"


S = AISystemState

AI_SYSTEM = Lifecycle(
    name="ai_system",
    states=AISystemState,
    initial=S.PLANNED,
    final=frozenset({S.RETIRED.value}),
    description="An inventoried AI system moves from planned to deployed and is finally retired.",
    transitions=(
        Transition("develop", S.PLANNED, S.IN_DEVELOPMENT),
        Transition("deploy", [S.PLANNED, S.IN_DEVELOPMENT], S.DEPLOYED),
        Transition("retire", [S.PLANNED, S.IN_DEVELOPMENT, S.DEPLOYED], S.RETIRED),
    ),
)
