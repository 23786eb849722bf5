"""Which committee function a work item belongs to, as data: new work goes to the people of that function.

A clause goes by its area (4.1 context and interested parties to legal, 7.2 competence to HR,
clause 8 operation to technology, ...), an Annex A control by its group's topic (A.6 life cycle and
A.7 data to technology, A.5 impact and A.8 interested parties to legal, ...), a once-only
deliverable by what it is (the training to HR, the processes to technology). The most specific
prefix wins. An item whose subject matches nothing (an approval, the program manager's own work)
has no function: any holder of its role fits. An impact assessment stays with its system's owner
(aimsflow.services.work.choose_assignee); this table is the fallback for a system without one.

Who may hold a work item: an approval (the roadmap, the AI policy) is top management's alone; one
rule for the two places that put a person on an approval, completing it and assigning it (`may_hold`).
"""

from __future__ import annotations

from collections.abc import Iterable

from aimsflow.rules.deliverables import Kind
from models.people import CommitteeFunction

TECHNOLOGY, LEGAL, COMPLIANCE = CommitteeFunction.TECHNOLOGY, CommitteeFunction.LEGAL, CommitteeFunction.COMPLIANCE
OPERATIONS, HR = CommitteeFunction.OPERATIONS, CommitteeFunction.HR

# Deliverables of a phase (aimsflow/rules/deliverables.py keys) whose function is not their clause's.
BY_DELIVERABLE: dict[str, CommitteeFunction] = {
    "policy": COMPLIANCE, "risk-framework": COMPLIANCE, "processes": TECHNOLOGY, "training": HR,
    "monitoring": TECHNOLOGY, "pilot": OPERATIONS, "tabletop": TECHNOLOGY, "impact": LEGAL,
}

# Clause areas and Annex A groups (DOMAIN.md): a subject takes the function of its longest matching prefix.
BY_AREA: dict[str, CommitteeFunction] = {
    "4": COMPLIANCE, "4.1": LEGAL, "4.2": LEGAL,
    "5": COMPLIANCE, "5.3": HR,
    "6": COMPLIANCE, "6.1.4": LEGAL, "6.2": OPERATIONS, "6.3": OPERATIONS,
    "7": OPERATIONS, "7.2": HR, "7.3": HR, "7.5": COMPLIANCE,
    "8": TECHNOLOGY, "8.4": LEGAL,
    "9": COMPLIANCE, "9.1": TECHNOLOGY,
    "10": COMPLIANCE,
    "A.2": COMPLIANCE, "A.3": HR, "A.4": OPERATIONS, "A.4.6": HR, "A.5": LEGAL, "A.6": TECHNOLOGY,
    "A.7": TECHNOLOGY, "A.8": LEGAL, "A.9": OPERATIONS, "A.10": LEGAL,
}

# Only the owners' work is split by function; approvals, the PM's and the auditors' work go by role.
BY_FUNCTION_ROLES = frozenset({"owner"})


def _prefixes(subject: str) -> list[str]:
    """'A.4.6' -> ['A.4.6', 'A.4', 'A']; '6.1.4' -> ['6.1.4', '6.1', '6'] (longest first)."""
    parts = subject.split(".")
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


def function_for(*, key: str, subject: str, role: str) -> str | None:
    """The committee function a work item belongs to, or None when any holder of its role fits."""
    if role not in BY_FUNCTION_ROLES:
        return None
    deliverable = key.split(":", 1)[0]
    if deliverable in BY_DELIVERABLE:
        return BY_DELIVERABLE[deliverable].value
    for prefix in _prefixes(subject.strip()):
        if prefix in BY_AREA:
            return BY_AREA[prefix].value
    return None


APPROVER_ROLE = "top-management"


def may_hold(record: str, kind: str, person: str, roles: Iterable[str]) -> list[str]:
    """What keeps `person` (holding `roles`) from holding work item `record` of `kind`; empty: they may."""
    if kind == Kind.APPROVAL and APPROVER_ROLE not in set(roles):
        return [f"{record} is an approval: {person} is not top management (only top management approves)"]
    return []
