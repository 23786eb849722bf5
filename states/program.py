"""The program lifecycle: five phases, certification, then the three-year cycle."""

from enum import StrEnum
from typing import Literal, get_args

from states.machine import Lifecycle, Transition


class ProgramState(StrEnum):
    GAP_ANALYSIS = "gap_analysis"
    FOUNDATION_BUILDING = "foundation_building"
    CONTROLS_IMPLEMENTATION = "controls_implementation"
    TESTING_AND_REFINEMENT = "testing_and_refinement"
    CERTIFICATION_STAGE_1 = "certification_stage_1"
    CERTIFICATION_STAGE_2 = "certification_stage_2"
    CERTIFICATION_RESOLUTION = "certification_resolution"
    CERTIFIED = "certified"
    SURVEILLANCE_1 = "surveillance_1"
    SURVEILLANCE_2 = "surveillance_2"
    RECERTIFICATION = "recertification"
    SUSPENDED = "suspended"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"


S = ProgramState

# The five implementation phases in order; certification spans its three inner states.
PHASES: tuple[S, ...] = (
    S.GAP_ANALYSIS,
    S.FOUNDATION_BUILDING,
    S.CONTROLS_IMPLEMENTATION,
    S.TESTING_AND_REFINEMENT,
    S.CERTIFICATION_STAGE_1,
)
# The same phases as a type: a flow's `phase` parameter becomes a choice list in the Prefect UI's form.
PhaseName = Literal["gap_analysis", "foundation_building", "controls_implementation", "testing_and_refinement",
                    "certification_stage_1"]
assert get_args(PhaseName) == tuple(p.value for p in PHASES), "PhaseName lists PHASES"
CERTIFICATION_STATES = frozenset({S.CERTIFICATION_STAGE_1, S.CERTIFICATION_STAGE_2, S.CERTIFICATION_RESOLUTION})
HOLDS_CERTIFICATE = frozenset({S.CERTIFIED, S.SURVEILLANCE_1, S.SURVEILLANCE_2, S.RECERTIFICATION})


def phase_of(state: str) -> str:
    """The phase a state belongs to, in the journey's words (certification covers its inner states)."""
    return "certification" if state in CERTIFICATION_STATES else state


_open = [s.value for s in S if s is not S.WITHDRAWN]

PROGRAM = Lifecycle(
    name="program",
    states=ProgramState,
    initial=S.GAP_ANALYSIS,
    final=frozenset({S.WITHDRAWN.value}),
    description="Phases 1-5 with their exit gates, certification, surveillance and recertification.",
    transitions=(
        Transition("advance", S.GAP_ANALYSIS, S.FOUNDATION_BUILDING, ("gap_analysis_gate",)),
        Transition("advance", S.FOUNDATION_BUILDING, S.CONTROLS_IMPLEMENTATION, ("foundation_gate",)),
        Transition("advance", S.CONTROLS_IMPLEMENTATION, S.TESTING_AND_REFINEMENT, ("controls_gate",)),
        Transition("advance", S.TESTING_AND_REFINEMENT, S.CERTIFICATION_STAGE_1, ("testing_gate",)),
        # Inside certification, audits move the program: Stage 2 starts only when Stage 1 is closed
        # with every concern resolved; closing Stage 2 opens the resolution of its findings.
        Transition("start_stage_2", S.CERTIFICATION_STAGE_1, S.CERTIFICATION_STAGE_2, ("stage_1_cleared",)),
        Transition("close_stage_2", S.CERTIFICATION_STAGE_2, S.CERTIFICATION_RESOLUTION),
        Transition("certify", S.CERTIFICATION_RESOLUTION, S.CERTIFIED, ("decision_allowed",)),
        Transition("require_new_stage_2", [S.CERTIFICATION_RESOLUTION, S.LAPSED], S.CERTIFICATION_STAGE_2),
        # The cycle: each state names the audit the cycle has reached.
        Transition("start_surveillance_1", S.CERTIFIED, S.SURVEILLANCE_1),
        Transition("start_surveillance_2", S.SURVEILLANCE_1, S.SURVEILLANCE_2, ("previous_audit_closed",)),
        Transition("start_recertification", S.SURVEILLANCE_2, S.RECERTIFICATION, ("previous_audit_closed",)),
        Transition("recertify", S.RECERTIFICATION, S.CERTIFIED, ("decision_allowed",)),
        Transition("suspend", [S.CERTIFIED, S.SURVEILLANCE_1, S.SURVEILLANCE_2, S.RECERTIFICATION], S.SUSPENDED),
        # Reinstated where the cycle stood when it was suspended, once every cause of the suspension is resolved.
        *(Transition("reinstate", S.SUSPENDED, held, (f"suspended_from_{held.value}", "suspension_resolved"))
          for held in (S.CERTIFIED, S.SURVEILLANCE_1, S.SURVEILLANCE_2, S.RECERTIFICATION)),
        Transition("lapse", [S.CERTIFIED, S.SURVEILLANCE_1, S.SURVEILLANCE_2, S.RECERTIFICATION, S.SUSPENDED],
                   S.LAPSED),
        Transition("restore", S.LAPSED, S.CERTIFIED, ("restorable",)),
        Transition("withdraw", _open, S.WITHDRAWN),
    ),
)
