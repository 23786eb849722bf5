"""Segregation of duties in review: nobody accepts (or rejects) their own evidence.

One rule, `reviewer_independent`, for both lifecycles that name it: a work item's acceptance or
rejection, and an evidence record's review.
"""

from __future__ import annotations

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
