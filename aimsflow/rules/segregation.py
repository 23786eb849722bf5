"""Segregation of duties: nobody accepts (or rejects) their own evidence, nobody audits their own work.

One rule, `reviewer_independent`, for both lifecycles that name it: a work item's acceptance or
rejection, and an evidence record's review. `auditor_impartial` is what scheduling an internal audit asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Work of these kinds is accepted by someone other than the person who supplied it; other work is
# accepted when its assignee completes it. An evidence record is of kind "evidence".
NEEDS_REVIEW = frozenset({"evidence"})


def needs_independent_review(kind: str) -> bool:
    """Whether work of this kind waits for someone other than its submitter to accept it."""
    return kind in NEEDS_REVIEW


@dataclass(frozen=True)
class ReviewFacts:
    """A decision on submitted work or evidence: what it is, who submitted it, who decides."""

    record: str  # "WI-3", "EV-7"
    kind: str  # the work item's kind; "evidence" for an evidence record
    submitter_id: int | None  # None: evidence added without naming who supplied it
    decider_id: int | None
    decider: str  # the decider's name, for the message


def reviewer_independent(f: ReviewFacts) -> list[str]:
    """Someone other than the submitter accepts or rejects work that needs review, and every evidence record."""
    if not needs_independent_review(f.kind) or f.submitter_id is None or f.decider_id != f.submitter_id:
        return []
    return [f"{f.record}: {f.decider} submitted it and cannot review it (nobody accepts their own evidence)"]


@dataclass(frozen=True)
class AuditorRecord:
    """What an internal auditor has had a hand in, by clause or control: they may not audit it (9.2)."""

    name: str
    owns: frozenset[str] = frozenset()  # subjects of work items assigned to them
    evidence: frozenset[str] = frozenset()  # what the evidence they submitted or accepted is for
    implemented: frozenset[str] = frozenset()  # what the corrective actions they implemented were on


def auditor_impartial(auditor: AuditorRecord, scope: Iterable[str]) -> list[str]:
    """An internal auditor audits nothing they own work in, supplied or accepted evidence for, or
    implemented a corrective action on: each conflict in the scope is named, with what makes it one."""
    wanted = list(dict.fromkeys(scope))
    missing = []
    for what, refs in (("owns work on", auditor.owns),
                       ("submitted or accepted evidence for", auditor.evidence),
                       ("implemented the corrective action on", auditor.implemented)):
        conflict = [r for r in wanted if r in refs]
        if conflict:
            missing.append(f"{auditor.name} {what} {', '.join(conflict)} and cannot audit it (auditors must be "
                           "impartial)")
    return missing
