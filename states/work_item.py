"""The work item lifecycle: assigned work that an owner completes, possibly reviewed by someone else."""

from enum import StrEnum

from states.machine import Lifecycle, Transition


class WorkItemState(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    CANCELLED = "cancelled"


S = WorkItemState
ACTIVE = frozenset({S.OPEN, S.IN_PROGRESS, S.REJECTED, S.OVERDUE, S.ESCALATED})
DONE = frozenset({S.ACCEPTED})

WORK_ITEM = Lifecycle(
    name="work_item",
    states=WorkItemState,
    initial=S.OPEN,
    final=frozenset({S.ACCEPTED.value, S.CANCELLED.value}),
    description="open -> in progress -> submitted -> accepted, or rejected and reworked; late work escalates.",
    transitions=(
        Transition("start", [S.OPEN, S.REJECTED], S.IN_PROGRESS),
        Transition("submit", [S.OPEN, S.IN_PROGRESS, S.REJECTED, S.OVERDUE, S.ESCALATED], S.SUBMITTED),
        Transition("accept", S.SUBMITTED, S.ACCEPTED, ("reviewer_independent",)),
        Transition("reject", S.SUBMITTED, S.REJECTED, ("reviewer_independent",)),
        Transition("mark_overdue", [S.OPEN, S.IN_PROGRESS, S.REJECTED], S.OVERDUE),
        Transition("escalate", [S.OVERDUE, S.ESCALATED], S.ESCALATED),
        Transition("cancel", [S.OPEN, S.IN_PROGRESS, S.SUBMITTED, S.REJECTED, S.OVERDUE, S.ESCALATED], S.CANCELLED),
    ),
)
