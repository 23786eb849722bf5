"""Nonconformity and corrective action (clause 10.2): the loop repeats until the action is effective."""

from enum import StrEnum

from states.machine import Lifecycle, Transition


class Severity(StrEnum):
    CONCERN = "concern"  # Stage 1 area of concern
    MAJOR = "major"
    MINOR = "minor"
    OFI = "ofi"  # opportunity for improvement: no response required, no nonconformity


class NonconformityState(StrEnum):
    RAISED = "raised"
    CORRECTION = "correction"
    ROOT_CAUSE_ANALYSIS = "root_cause_analysis"
    ACTION_PLANNED = "action_planned"
    ACTION_IMPLEMENTED = "action_implemented"
    EFFECTIVENESS_VERIFIED = "effectiveness_verified"
    CLOSED = "closed"


S = NonconformityState
OPEN = frozenset(s.value for s in S if s is not S.CLOSED)
# A major counts as verified once an effective action is confirmed; a minor is settled for the
# certification decision once the CB has an action plan (it verifies it at the next audit).
VERIFIED = frozenset({S.EFFECTIVENESS_VERIFIED.value, S.CLOSED.value})
PLANNED_OR_LATER = frozenset(
    {S.ACTION_PLANNED.value, S.ACTION_IMPLEMENTED.value, S.EFFECTIVENESS_VERIFIED.value, S.CLOSED.value}
)

# Each trigger records the step it names and moves to the state of that step's result.
NONCONFORMITY = Lifecycle(
    name="nonconformity",
    states=NonconformityState,
    initial=S.RAISED,
    final=frozenset({S.CLOSED.value}),
    description="raised -> correction -> root cause -> action planned -> implemented -> verified -> closed.",
    transitions=(
        Transition("correct", S.RAISED, S.CORRECTION),
        Transition("analyse", [S.CORRECTION, S.ROOT_CAUSE_ANALYSIS], S.ROOT_CAUSE_ANALYSIS),
        Transition("plan", S.ROOT_CAUSE_ANALYSIS, S.ACTION_PLANNED),
        Transition("implement", S.ACTION_PLANNED, S.ACTION_IMPLEMENTED),
        # An ineffective action goes back to root-cause analysis; the loop repeats until effective.
        Transition("verify", S.ACTION_IMPLEMENTED, S.EFFECTIVENESS_VERIFIED, ("verifier_independent", "effective")),
        Transition("verify", S.ACTION_IMPLEMENTED, S.ROOT_CAUSE_ANALYSIS, ("verifier_independent", "ineffective")),
        Transition("close", S.EFFECTIVENESS_VERIFIED, S.CLOSED),
        # A Stage 1 area of concern is resolved directly, without the corrective-action loop.
        Transition("resolve", [S.RAISED, S.CORRECTION], S.CLOSED, ("is_concern",)),
    ),
)
