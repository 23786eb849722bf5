"""Tasks that open a phase's work and advance a program through its gate."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from aimsflow.errors import Conflict
from aimsflow.rules.deliverables import plan_for
from aimsflow.services import phases
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work

CONFLICT_ATTEMPTS = 3


@task(name="start-phase", cache_policy=NO_CACHE)
def start_phase(program: str, phase: str | None = None, *, actor: str = "start-phase") -> dict[str, Any]:
    """Open a phase's work items (the current phase when none is named); safe to repeat."""
    with unit_of_work() as uow:
        row = get_program(uow.session, program)
        phase = phase or row.state
        if plan_for(phase) is None:  # certification and the cycle open work through their own flows
            return {"program": program, "phase": phase, "created": [], "opens_work": False}
        created = phases.start_phase(uow, row, phase, actor=actor)
        return {"program": program, "phase": phase, "created": created, "opens_work": True}


@task(name="advance-if-ready", cache_policy=NO_CACHE)
def advance_if_ready(program: str, *, actor: str = "owner-task") -> str | None:
    """Advance the program when its phase gate passes; the new state, or None.

    Two owners finishing at once both ask; if the other one's transaction changed the program
    first (a Conflict), the question is asked again on the new state rather than failing the run.
    """
    for _ in range(CONFLICT_ATTEMPTS - 1):
        try:
            with unit_of_work() as uow:
                return phases.advance_if_ready(uow, get_program(uow.session, program), actor=actor)
        except Conflict:
            continue
    with unit_of_work() as uow:
        return phases.advance_if_ready(uow, get_program(uow.session, program), actor=actor)
