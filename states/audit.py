"""The audit lifecycle: internal, Stage 1, Stage 2, surveillance and recertification audits."""

from enum import StrEnum

from states.machine import Lifecycle, Transition


class AuditKind(StrEnum):
    INTERNAL = "internal"
    STAGE_1 = "stage1"
    STAGE_2 = "stage2"
    SURVEILLANCE = "surveillance"
    RECERTIFICATION = "recertification"


CB_AUDITS = frozenset({AuditKind.STAGE_1, AuditKind.STAGE_2, AuditKind.SURVEILLANCE, AuditKind.RECERTIFICATION})


class AuditState(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"
    CANCELLED = "cancelled"


S = AuditState

AUDIT = Lifecycle(
    name="audit",
    states=AuditState,
    initial=S.PLANNED,
    final=frozenset({S.CLOSED.value, S.CANCELLED.value}),
    description="An audit is planned, conducted (findings are raised while it is in progress) and closed.",
    transitions=(
        Transition("start", S.PLANNED, S.IN_PROGRESS, ("audit_may_start",)),
        Transition("close", S.IN_PROGRESS, S.CLOSED, ("audit_may_close",)),
        Transition("cancel", [S.PLANNED, S.IN_PROGRESS], S.CANCELLED),
    ),
)
