"""The AI system impact assessment lifecycle (6.1.4, 8.4): current until a significant change or its interval."""

from enum import StrEnum

from states.machine import Lifecycle, Transition


class ImpactAssessmentState(StrEnum):
    REQUIRED = "required"
    CURRENT = "current"
    STALE = "stale"


S = ImpactAssessmentState

IMPACT_ASSESSMENT = Lifecycle(
    name="impact_assessment",
    states=ImpactAssessmentState,
    initial=S.REQUIRED,
    description="Required for every in-scope system; current once done; stale after a significant change "
    "or its interval.",
    transitions=(
        Transition("complete", [S.REQUIRED, S.STALE, S.CURRENT], S.CURRENT),
        Transition("invalidate", S.CURRENT, S.STALE),
    ),
)
