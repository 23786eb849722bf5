"""The program lifecycle's cycle guards: surveillance in order, reinstatement, restoration of a lapsed certificate."""

from __future__ import annotations

from collections.abc import Callable

from aimsflow.rules import certification_cycle
from aimsflow.rules.gates import ProgramFacts, decision_allowed
from states.program import ProgramState


def previous_audit_closed(f: ProgramFacts) -> list[str]:
    """The next audit of the cycle starts only after the previous surveillance audit is closed."""
    sequence = 1 if f.state == ProgramState.SURVEILLANCE_1 else 2
    return [] if sequence in f.closed_surveillance else [f"surveillance {sequence} audit: not closed"]


def suspended_from(state: str) -> Callable[[ProgramFacts], list[str]]:
    """A suspended certificate is reinstated where the cycle stood when it was suspended: `state`."""

    def guard(f: ProgramFacts) -> list[str]:
        return [] if f.suspended_from == state else [f"suspended from {f.suspended_from}"]

    guard.__name__ = guard.__qualname__ = f"suspended_from_{state}"
    guard.__doc__ = f"Reinstated to {state} only when it was suspended from {state}."
    return guard


def restorable(f: ProgramFacts) -> list[str]:
    """A lapsed certificate is restored within the limit, once the recertification decision is allowed."""
    if f.certificate_expiry is None:
        return ["no certificate to restore"]
    if f.today is None:
        raise ValueError("restorable: the program's facts carry no date to judge the restoration limit by")
    missing = []
    if not certification_cycle.is_restorable(f.certificate_expiry, f.today, f.restoration_window_months):
        missing.append(f"certificate expired {f.certificate_expiry}: past the restoration limit, "
                       "a new Stage 2 is needed")
    # A lapsed program's decision rests on the recertification audit (the facts say which audit that is).
    return missing + decision_allowed(f)
