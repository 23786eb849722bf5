"""Whether a program's work runs in the Prefect UI: once an owner-task run was started for it.

The notice deliverer (aimsflow.notify) holds an assignment until its item's owner run exists, but
only for such a program: one worked from the command line alone has no runs to wait for, and its
notices go out at once. The mark is a row of the process-wide settings (`owner-runs:<key>`), set by
the flow that starts owner runs when the owner-task deployment exists; it is never guessed from
whether a Prefect server answers.
"""

from __future__ import annotations

from sqlmodel import Session

from aimsflow.uow import UnitOfWork
from models import Program, Setting


def _key(program: Program) -> str:
    return f"owner-runs:{program.key}"


def owner_runs_on(session: Session, program: Program) -> bool:
    """Whether owner-task runs are started for this program (so assignments wait for their run)."""
    return session.get(Setting, _key(program)) is not None


def mark_owner_runs(uow: UnitOfWork, program: Program) -> bool:
    """Record that owner-task runs are started for this program; returns whether it was new."""
    if owner_runs_on(uow.session, program):
        return False
    uow.session.add(Setting(key=_key(program), value="on"))
    return True
