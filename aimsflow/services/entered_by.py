"""Who typed a step in on someone's behalf: the login beside the person a step names (`--by`).

A program manager often enters a completion, an acceptance or a corrective-action step for the
person who did it. The step stays that person's (the event's actor); the event's payload also
keeps `entered_by`, the login of whoever entered it, so the trail (and its hash) holds both. Only
the command line fills it in; a form submitted with an owner's own code has nobody in between.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlmodel import col, select

from aimsflow.uow import UnitOfWork
from models import Event


def entered(payload: dict[str, Any], entered_by: str | None) -> dict[str, Any]:
    """The event payload with `entered_by` beside the rest when someone entered the step for another."""
    return {**payload, "entered_by": entered_by} if entered_by else payload


def shown_as(name: str | None, entered_by: str | None) -> str | None:
    """A person as a record shows them: "Grace Lim (entered by priya)" when someone else typed it in."""
    if name and entered_by and entered_by != name:
        return f"{name} (entered by {entered_by})"
    return name


def entries(uow: UnitOfWork, program_id: int, lifecycle: str,
            triggers: Iterable[str]) -> dict[tuple[str, str, int | None], str]:
    """(row, trigger, round) -> who entered it, for the program's steps of one lifecycle entered on someone's behalf.

    `round` is the corrective-action round a nonconformity's step names (None elsewhere). The latest
    event of each key wins: the one that left the row as it is now.
    """
    query = (select(Event.row_ref, Event.trigger, Event.payload)
             .where(Event.program_id == program_id, Event.lifecycle == lifecycle,
                    col(Event.trigger).in_(list(triggers)),
                    col(Event.payload)["entered_by"].as_string().is_not(None))
             .order_by(col(Event.seq)))
    found: dict[tuple[str, str, int | None], str] = {}
    for row_ref, trigger, payload in uow.session.exec(query):
        who = payload.get("entered_by") if isinstance(payload, dict) else None
        if who:
            round_ = payload.get("round")
            found[(row_ref, trigger, round_ if isinstance(round_, int) else None)] = str(who)
    return found
