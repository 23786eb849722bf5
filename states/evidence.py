"""The evidence lifecycle: requested, submitted, reviewed by someone other than its submitter, expired."""

from enum import StrEnum

from states.machine import Lifecycle, Transition


class EvidenceState(StrEnum):
    REQUESTED = "requested"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"


S = EvidenceState

EVIDENCE = Lifecycle(
    name="evidence",
    states=EvidenceState,
    initial=S.REQUESTED,
    final=frozenset({S.EXPIRED.value}),
    description="Evidence is requested, submitted, accepted or rejected by an independent reviewer, and expires.",
    transitions=(
        Transition("submit", [S.REQUESTED, S.REJECTED], S.SUBMITTED),
        Transition("accept", S.SUBMITTED, S.ACCEPTED, ("reviewer_independent",)),
        Transition("reject", S.SUBMITTED, S.REJECTED, ("reviewer_independent",)),
        Transition("expire", [S.SUBMITTED, S.ACCEPTED], S.EXPIRED),
    ),
)
