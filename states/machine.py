"""Lifecycles as data, and the one shared `transitions` machine that serves every row of a lifecycle.

A lifecycle declares its states (a StrEnum) and its transitions; a transition may name guards.
Guards are evaluated by the caller (the application knows the database, this layer does not):
`fire` receives a function that, for a guard name, returns the list of items still missing.
Every guard of every candidate transition is evaluated, so a refusal names every missing item,
not only the first one the library would stop at.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, partial

from transitions import EventData, Machine

GuardCheck = Callable[[str], list[str]]
"""Given a guard name, return the items that keep it from passing (empty: it passes)."""


@dataclass(frozen=True)
class Transition:
    trigger: str
    source: str | Sequence[str]
    dest: str
    guards: tuple[str, ...] = ()

    @property
    def sources(self) -> tuple[str, ...]:
        # Plain strings: `transitions` would name an Enum member by its .name, not its value.
        items = [self.source] if isinstance(self.source, str) else list(self.source)
        return tuple(str(s) for s in items)


@dataclass(frozen=True)
class Lifecycle:
    name: str
    states: type[StrEnum]
    initial: StrEnum
    transitions: tuple[Transition, ...]
    final: frozenset[str] = field(default_factory=frozenset)
    description: str = ""

    def triggers_from(self, state: str) -> list[str]:
        """The triggers declared from `state`, in declaration order, without duplicates."""
        return list(self._triggers.get(str(state), ()))

    def candidates(self, state: str, trigger: str) -> list[Transition]:
        return list(self._candidates.get((str(state), trigger), ()))

    # Both are asked on every fire: computed once per lifecycle (the declaration is immutable).
    @cached_property
    def _triggers(self) -> dict[str, tuple[str, ...]]:
        seen: dict[str, dict[str, None]] = {}
        for t in self.transitions:
            for source in t.sources:
                seen.setdefault(source, {}).setdefault(t.trigger)
        return {state: tuple(triggers) for state, triggers in seen.items()}

    @cached_property
    def _candidates(self) -> dict[tuple[str, str], tuple[Transition, ...]]:
        found: dict[tuple[str, str], list[Transition]] = {}
        for t in self.transitions:
            for source in t.sources:
                found.setdefault((source, t.trigger), []).append(t)
        return {key: tuple(ts) for key, ts in found.items()}


class TransitionRefused(Exception):
    """A trigger that the lifecycle does not allow from the current state, or whose guards fail."""

    def __init__(
        self,
        lifecycle: str,
        state: str,
        trigger: str,
        allowed: list[str],
        missing: list[str] | None = None,
    ) -> None:
        self.lifecycle = lifecycle
        self.state = state
        self.trigger = trigger
        self.allowed = allowed
        self.missing = missing or []
        if self.missing:
            text = (
                f"{lifecycle}: '{trigger}' refused in state {state}; missing: " + "; ".join(self.missing)
            )
        else:
            allowed_text = ", ".join(allowed) if allowed else "none (final state)"
            text = f"{lifecycle}: '{trigger}' is not allowed in state {state}; allowed: {allowed_text}"
        super().__init__(text)


class _Token:
    """The plain object a shared machine is bound to while one trigger fires (never a SQLModel row)."""

    def __init__(self, state: str, passed: Mapping[str, bool]) -> None:
        self.state = state
        self.passed = passed


def _guard(name: str, event: EventData) -> bool:
    passed: Mapping[str, bool] = event.model.passed  # type: ignore[attr-defined]
    return passed.get(name, False)


_machines: dict[str, Machine] = {}
# Adding and removing a model on every fire is the costly part of `transitions`; the one token of
# each lifecycle is reused instead (under the lock), so the machine's model list never grows.
_tokens: dict[str, _Token] = {}
_lock = threading.RLock()
_decided: dict[tuple[str, str, str, tuple[tuple[str, bool], ...]], str] = {}


def machine_for(lifecycle: Lifecycle) -> Machine:
    """The one shared machine of a lifecycle, built on first use."""
    with _lock:
        machine = _machines.get(lifecycle.name)
        if machine is None:
            machine = Machine(
                model=None,
                states=[s.value for s in lifecycle.states],
                transitions=[
                    {
                        "trigger": t.trigger,
                        "source": list(t.sources),
                        "dest": str(t.dest),
                        "conditions": [partial(_guard, g) for g in t.guards],
                    }
                    for t in lifecycle.transitions
                ],
                initial=str(lifecycle.initial.value),
                auto_transitions=False,
                send_event=True,
                model_attribute="state",
            )
            _machines[lifecycle.name] = machine
        return machine


def fire(lifecycle: Lifecycle, state: str, trigger: str, check: GuardCheck | None = None) -> str:
    """Fire `trigger` from `state` and return the new state, or raise TransitionRefused.

    Candidates are tried in declaration order; the first whose guards all pass wins. When none
    passes, the refusal lists the missing items of every candidate.
    """
    state = str(state)  # an enum member or its value
    allowed = lifecycle.triggers_from(state)
    candidates = lifecycle.candidates(state, trigger)
    if not candidates:
        raise TransitionRefused(lifecycle.name, state, trigger, allowed)
    names = {g for t in candidates for g in t.guards}
    missing_by_guard: dict[str, list[str]] = {}
    for name in sorted(names):
        if check is None:
            raise TransitionRefused(lifecycle.name, state, trigger, allowed, [f"guard {name} not evaluated"])
        missing_by_guard[name] = list(check(name))
    passed = {name: not items for name, items in missing_by_guard.items()}
    if not any(all(passed[g] for g in t.guards) for t in candidates):
        missing: list[str] = []
        for t in candidates:
            for g in t.guards:
                for item in missing_by_guard[g]:
                    if item not in missing:
                        missing.append(item)
        raise TransitionRefused(lifecycle.name, state, trigger, allowed, missing)

    # The machine has no callbacks: its answer depends only on the state, the trigger and which guards
    # passed. It decides each such case once; the answer is remembered (a few dozen per lifecycle).
    case = (lifecycle.name, state, trigger, tuple(sorted(passed.items())))
    decided = _decided.get(case)
    if decided is not None:
        return decided
    machine = machine_for(lifecycle)
    with _lock:  # one token per lifecycle stays on the shared machine: set its state, fire, read it
        token = _tokens.get(lifecycle.name)
        if token is None:
            token = _tokens[lifecycle.name] = _Token(state, passed)
            machine.add_model(token, initial=state)
        token.passed = passed
        machine.set_state(state, model=token)
        fired = token.trigger(trigger)  # type: ignore[attr-defined]
        result = str(token.state)
    if not fired:  # unreachable when the guards above agree with the machine's conditions
        raise TransitionRefused(lifecycle.name, state, trigger, allowed, ["a guard failed"])
    _decided[case] = result
    return result


def allowed_triggers(lifecycle: Lifecycle, state: str) -> list[str]:
    return lifecycle.triggers_from(state)


def mermaid(lifecycle: Lifecycle) -> str:
    """The lifecycle as a mermaid state diagram; guards appear in brackets on their edges."""
    lines = ["stateDiagram-v2", f"    %% {lifecycle.name} lifecycle"]
    lines.append(f"    [*] --> {lifecycle.initial.value}")
    for t in lifecycle.transitions:
        label = t.trigger + (f" [{', '.join(t.guards)}]" if t.guards else "")
        for src in t.sources:
            lines.append(f"    {src} --> {t.dest!s}: {label}")
    for state in sorted(lifecycle.final):
        lines.append(f"    {state} --> [*]")
    return "\n".join(lines) + "\n"
