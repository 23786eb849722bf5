"""Who may hold a work item: an approval (the roadmap, the AI policy) is top management's alone.

One rule for the two places that put a person on an approval: completing it, and assigning it.
"""

from __future__ import annotations

from collections.abc import Iterable

from aimsflow.rules.deliverables import Kind

APPROVER_ROLE = "top-management"


def may_hold(record: str, kind: str, person: str, roles: Iterable[str]) -> list[str]:
    """What keeps `person` (holding `roles`) from holding work item `record` of `kind`; empty: they may."""
    if kind == Kind.APPROVAL and APPROVER_ROLE not in set(roles):
        return [f"{record} is an approval: {person} is not top management (only top management approves)"]
    return []
