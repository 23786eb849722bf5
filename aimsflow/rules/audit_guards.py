"""When an audit may start and close: the prerequisites of its kind and its readiness, asked at scheduling and start.

Scheduling an audit asks `audit_may_start` with the facts of the audit being scheduled (the program
where it stands before the audit moves it); starting it asks the same rule with the audit on the plan.
Its items are `start_items`: the program's state, Stage 2's own prerequisites, and the readiness a CB
checks before every audit (`audit_readiness.missing_for_audit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from aimsflow.rules import certification_cycle
from aimsflow.rules.audit_readiness import AuditReadinessFacts, Missing, missing_for_audit
from aimsflow.rules.gates import stage_1_clearance
from states.audit import AuditKind
from states.program import PROGRAM, ProgramState

S = ProgramState

# The program states in which an audit of each kind may be scheduled (an internal audit: any).
SCHEDULABLE_IN: dict[str, frozenset[str]] = {
    AuditKind.STAGE_1: frozenset({S.CERTIFICATION_STAGE_1}),
    AuditKind.STAGE_2: frozenset({S.CERTIFICATION_STAGE_1, S.CERTIFICATION_STAGE_2, S.CERTIFICATION_RESOLUTION,
                                  S.LAPSED}),
    AuditKind.SURVEILLANCE: frozenset({S.CERTIFIED, S.SURVEILLANCE_1, S.SUSPENDED}),
    AuditKind.RECERTIFICATION: frozenset({S.SURVEILLANCE_2, S.LAPSED}),
}
# Which program trigger scheduling an audit fires, by the program's state: the cycle moves with its audits.
CYCLE_TRIGGERS: dict[tuple[str, str], str] = {
    (AuditKind.STAGE_2, S.CERTIFICATION_STAGE_1): "start_stage_2",
    (AuditKind.STAGE_2, S.CERTIFICATION_RESOLUTION): "require_new_stage_2",
    (AuditKind.STAGE_2, S.LAPSED): "require_new_stage_2",
    (AuditKind.SURVEILLANCE, S.CERTIFIED): "start_surveillance_1",
    (AuditKind.SURVEILLANCE, S.SURVEILLANCE_1): "start_surveillance_2",
    (AuditKind.RECERTIFICATION, S.SURVEILLANCE_2): "start_recertification",
}


def _moved_to(kind: str, state: str) -> str:
    trigger = CYCLE_TRIGGERS.get((kind, state))
    return str(PROGRAM.candidates(state, trigger)[0].dest) if trigger else state


# Once scheduled, an audit is held in the state its scheduling moved the program to, or in one it may be
# scheduled in (a surveillance audit of a suspended certificate, a recertification of a lapsed one).
HELD_IN: dict[str, frozenset[str]] = {
    kind: frozenset(str(s) for s in states | {_moved_to(kind, s) for s in states})
    for kind, states in SCHEDULABLE_IN.items()
}
LABELS = {AuditKind.STAGE_1: "Stage 1", AuditKind.STAGE_2: "Stage 2"}


def label(kind: str) -> str:
    """An audit kind in the journey's words ("Stage 2", "surveillance")."""
    return LABELS.get(AuditKind(kind), str(kind))


@dataclass(frozen=True)
class AuditFacts:
    """An audit, where the program stands, and what its kind asks to have happened before it."""

    ref: str  # "AUD-4"; for an audit being scheduled, what it will be ("the Stage 2 audit on 2026-03-02")
    kind: str
    start: date
    program_state: str
    planned: bool  # on the plan already (scheduling has moved the program for it); False while scheduling
    first_stage_2: bool = False  # no Stage 2 before it in the program's history: the one that follows Stage 1
    stage_1_ended: date | None = None  # the last day of the cycle's latest closed Stage 1
    open_concerns: tuple[str, ...] = ()  # Stage 1 areas of concern not yet resolved
    stage_1_to_stage_2_months: int = 6
    auditors: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()  # the clauses and controls it covers
    readiness: AuditReadinessFacts | None = None  # the record as of its start (CB audits)


def start_items(f: AuditFacts) -> list[Missing]:
    """Every item that keeps the audit from starting: the program's state allows its kind; Stage 2 after a
    cleared Stage 1, within the configured gap and not before Stage 1 ended; and the audit's readiness."""
    missing: list[Missing] = []
    allowed = (HELD_IN if f.planned else SCHEDULABLE_IN).get(f.kind)
    if allowed is not None and f.program_state not in allowed:
        missing.append(Missing("program-state", f"a {label(f.kind)} audit does not take place while the program is "
                                                f"in {f.program_state} (allowed in: {', '.join(sorted(allowed))})"))
    if f.kind == AuditKind.STAGE_2:
        missing.extend(Missing("stage-2-prerequisite", m) for m in _stage_2_prerequisites(f))
    if f.readiness is not None:
        missing.extend(missing_for_audit(f.readiness))
    return missing


def audit_may_start(f: AuditFacts) -> list[str]:
    """The items of `start_items`, in the gates' words."""
    return [m.text for m in start_items(f)]


def _stage_2_prerequisites(f: AuditFacts) -> list[str]:
    missing = stage_1_clearance(f.stage_1_ended is not None, f.open_concerns) if f.first_stage_2 else []
    if f.stage_1_ended is None:
        return missing
    latest = certification_cycle.stage_2_latest_start(f.stage_1_ended, f.stage_1_to_stage_2_months)
    if f.first_stage_2 and f.start > latest:
        missing.append(f"Stage 2 on {f.start} is more than {f.stage_1_to_stage_2_months} months after Stage 1 "
                       f"ended ({f.stage_1_ended}); the latest start is {latest}")
    if f.start < f.stage_1_ended:
        missing.append(f"Stage 2 on {f.start} is before Stage 1 ended ({f.stage_1_ended})")
    return missing


def audit_may_close(f: AuditFacts) -> list[str]:
    """An audit closes with auditors who conducted it and a scope it covered (what its record reports).

    Not "on or after its first day": journeys record an audit held on a planned date before the
    simulated clock reaches it, and closing it then is legitimate.
    """
    missing: list[str] = []
    if not f.auditors:
        missing.append(f"{f.ref}: no auditor assigned")
    if not f.scope:
        missing.append(f"{f.ref}: no clause or control in its scope")
    return missing
