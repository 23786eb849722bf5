"""The guard registry: every guard a lifecycle in `states` names, implemented once, here, as data.

`GUARDS` maps a lifecycle's name to its guards' names, each to a pure function over that lifecycle's
facts (`FACTS`, a frozen dataclass) that returns the missing items by name; an empty list passes.
Services load the facts and ask `check_for` for the GuardCheck that `states.machine.fire` takes; gates,
refusals, status flags and reports ask the same functions. `tests/unit/test_guard_registry.py` fails when
a declared guard has no function here, or a function here is declared by no lifecycle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from aimsflow.rules import audit_guards, corrective_action, cycle_guards, suspension
from aimsflow.rules.audit_guards import AuditFacts
from aimsflow.rules.corrective_action import NonconformityStep
from aimsflow.rules.gates import GATES, ProgramFacts, waivable
from aimsflow.rules.risk_acceptance import RiskAcceptance, acceptance_authorised
from aimsflow.rules.segregation import ReviewFacts, reviewer_independent
from states import LIFECYCLES
from states.audit import AUDIT
from states.evidence import EVIDENCE
from states.machine import GuardCheck, Lifecycle
from states.nonconformity import NONCONFORMITY
from states.program import HOLDS_CERTIFICATE, PROGRAM
from states.risk import RISK
from states.work_item import WORK_ITEM

Guard = Callable[[Any], list[str]]

# The facts each lifecycle's guards judge (a lifecycle without guards needs none).
FACTS: dict[str, type] = {
    PROGRAM.name: ProgramFacts,
    AUDIT.name: AuditFacts,
    NONCONFORMITY.name: NonconformityStep,
    WORK_ITEM.name: ReviewFacts,
    EVIDENCE.name: ReviewFacts,
    RISK.name: RiskAcceptance,
}

GUARDS: dict[str, Mapping[str, Guard]] = {
    PROGRAM.name: {
        **GATES,
        "previous_audit_closed": cycle_guards.previous_audit_closed,
        # A suspended certificate returns to where the cycle stood: one guard per state that holds one.
        **{f"suspended_from_{state}": cycle_guards.suspended_from(state) for state in sorted(HOLDS_CERTIFICATE)},
        "restorable": cycle_guards.restorable,
        "suspension_resolved": suspension.suspension_resolved,
    },
    AUDIT.name: {
        "audit_may_start": audit_guards.audit_may_start,
        "audit_may_close": audit_guards.audit_may_close,
    },
    NONCONFORMITY.name: {
        "verifier_independent": corrective_action.verifier_independent,
        "effective": corrective_action.effective,
        "ineffective": corrective_action.ineffective,
        "is_concern": corrective_action.is_concern,
    },
    WORK_ITEM.name: {"reviewer_independent": reviewer_independent},
    EVIDENCE.name: {"reviewer_independent": reviewer_independent},
    RISK.name: {"acceptance_authorised": acceptance_authorised},
}


def declared_guards(lifecycle: Lifecycle) -> set[str]:
    """Every guard name a lifecycle's transitions declare."""
    return {g for t in lifecycle.transitions for g in t.guards}


def _name(lifecycle: Lifecycle | str) -> str:
    name = lifecycle if isinstance(lifecycle, str) else lifecycle.name
    if name not in LIFECYCLES:
        raise KeyError(f"no lifecycle named {name!r} (lifecycles: {', '.join(sorted(LIFECYCLES))})")
    return name


def _check(guards: Mapping[str, Guard], facts: object, waivers: tuple[str, ...], guard: str) -> list[str]:
    missing = guards[guard](facts)
    return [m for m in missing if not any(waivable(m, w) for w in waivers)] if waivers else missing


def check_for(lifecycle: Lifecycle | str, facts: object, *, waived: Iterable[str] = ()) -> GuardCheck:
    """The guard check the machine asks for one transition: the lifecycle's guards over these facts.

    `waived` names missing items (or their subjects) that a recorded waiver lets pass.
    """
    name = _name(lifecycle)
    expected = FACTS.get(name)
    if expected is None or not isinstance(facts, expected):
        wanted = expected.__name__ if expected else "none (it declares no guard)"
        raise TypeError(f"the {name} lifecycle's guards judge {wanted}, not {type(facts).__name__}")
    return partial(_check, GUARDS[name], facts, tuple(w for w in waived if w.strip()))


def guard(lifecycle: Lifecycle | str, name: str) -> Guard:
    """One registered guard, for a flag, a report or a pre-check that asks the same rule."""
    return GUARDS[_name(lifecycle)][name]
