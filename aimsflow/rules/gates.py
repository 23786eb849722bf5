"""The phase gates of DOMAIN.md as pure functions of a program's facts.

Each gate returns every missing item by name ("committee lacks: hr", "A.7.4: no justification",
"AI system chatbot: impact assessment stale"); an empty list means the gate passes. The facts
are loaded by the service layer, so these rules run without a database in the unit tests.
`aimsflow.rules.registry` registers them under the program lifecycle with its other guards; their
parts (below the gates) are what other guards, status flags and reports ask instead of restating.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

COMMITTEE_FUNCTIONS = ("technology", "legal", "compliance", "operations", "hr")
REVIEW_INPUTS = ("a", "b", "c", "d", "e")


@dataclass(frozen=True)
class SystemFacts:
    name: str
    status: str | None
    owner: str | None
    risk_level: str | None
    in_scope: bool | None
    impact_assessment: str | None = None  # required | current | stale | None


@dataclass(frozen=True)
class NonconformityFacts:
    ref: str  # "NC-3"
    severity: str
    state: str
    source: str
    verified: bool
    action_planned: bool
    verify_by: date | None = None  # a major's verification deadline (the certification body's)


@dataclass(frozen=True)
class ProgramFacts:
    clause_ids: tuple[str, ...] = ()
    control_ids: tuple[str, ...] = ()
    systems: tuple[SystemFacts, ...] = ()
    clause_assessments: dict[str, tuple[str, str]] = field(default_factory=dict)  # clause -> (rating, note)
    accepted_items: frozenset[str] = frozenset()  # keys of accepted work items ("scope", "training")
    approved_by_top: frozenset[str] = frozenset()  # approval keys accepted by a top-management member
    committee_functions: frozenset[str] = frozenset()
    risk_threshold: int | None = None
    soa: dict[str, tuple[bool, str]] = field(default_factory=dict)  # control -> (included, justification)
    added_controls: tuple[str, ...] = ()
    evidence: dict[str, str] = field(default_factory=dict)  # control -> accepted | expired | submitted
    internal_audit_coverage: frozenset[str] = frozenset()
    review_inputs: tuple[frozenset[str], ...] = ()  # the inputs present, one set per review held
    nonconformities: tuple[NonconformityFacts, ...] = ()
    decision_nonconformities: tuple[NonconformityFacts, ...] = ()  # raised by the decision's audit
    stage_1_closed: bool = False
    decision_audit_closed: bool = False  # the audit a decision rests on (Stage 2 or recertification)
    new_stage_2_required: bool = False
    stage_2_open: bool = False  # a Stage 2 audit of the cycle is planned or in progress
    # The cycle's guards (program lifecycle): where the program stands and what its certificate says.
    state: str = ""
    suspended_from: str | None = None
    suspension_causes: tuple[str, ...] = ()  # what the certificate is suspended for (rules.suspension)
    closed_surveillance: frozenset[int] = frozenset()  # sequences (1, 2) of the cycle's closed surveillance audits
    certificate_expiry: date | None = None
    today: date | None = None
    new_stage_2_after_months: int = 6
    restoration_window_months: int = 6

    @property
    def audit_scope(self) -> list[str]:
        """What internal audits must cover: every clause 4-10 and every included control."""
        return [*self.clause_ids, *(c for c, (included, _) in self.soa.items() if included)]


def gap_analysis_gate(f: ProgramFacts) -> list[str]:
    """Every inventory entry complete, every clause assessed with a note, the roadmap approved."""
    missing: list[str] = []
    if not f.systems:
        missing.append("inventory: no AI systems recorded")
    for s in f.systems:
        lacks = [name for name, value in (("status", s.status), ("owner", s.owner),
                                          ("risk level", s.risk_level), ("in-scope flag", s.in_scope))
                 if value is None or value == ""]
        if lacks:
            missing.append(f"AI system {s.name}: no {', '.join(lacks)}")
    for clause in f.clause_ids:
        assessed = f.clause_assessments.get(clause)
        if assessed is None:
            missing.append(f"clause {clause}: not assessed")
        elif not assessed[1].strip():
            missing.append(f"clause {clause}: assessment has no note")
    if "roadmap-approval" not in f.approved_by_top:
        missing.append("roadmap: not approved by top management")
    return missing


def foundation_gate(f: ProgramFacts) -> list[str]:
    """Scope recorded, committee complete, AI policy approved, criteria recorded, training records."""
    missing: list[str] = []
    if "scope" not in f.accepted_items:
        missing.append("AIMS scope (4.3): not recorded")
    lacking = [fn for fn in COMMITTEE_FUNCTIONS if fn not in f.committee_functions]
    if lacking:
        missing.append(f"committee lacks: {', '.join(lacking)}")
    if "policy-approval" not in f.approved_by_top:
        missing.append("AI policy (5.2): not approved by top management")
    missing.extend(criteria_recorded(f.risk_threshold))
    if "training" not in f.accepted_items:
        missing.append("awareness training (7.3): no attendance records")
    return missing


def controls_gate(f: ProgramFacts) -> list[str]:
    """Every control decided and justified, impact assessments current, included controls evidenced."""
    missing = soa_decision_gaps(f)
    missing.extend(gap for s in f.systems if (gap := impact_assessment_gap(s)))
    for control, (included, _why) in sorted(f.soa.items()):
        if not included:
            continue
        status = f.evidence.get(control)
        if status == "expired":
            missing.append(f"{control}: evidence expired")
        elif status != "accepted":
            missing.append(f"{control}: no accepted evidence")
    return missing


def testing_gate(f: ProgramFacts) -> list[str]:
    """Audit coverage complete, management review with inputs (a)-(e), no open major, tabletop."""
    missing = [f"internal audit: {ref} not covered" for ref in uncovered_by_internal_audit(f)]
    missing.extend(management_review_gaps(f))
    missing.extend(open_majors(f))
    if "tabletop" not in f.accepted_items:
        missing.append("incident-response tabletop (A.8.4): not recorded")
    return missing


def stage_1_cleared(f: ProgramFacts) -> list[str]:
    """Stage 2 starts only after Stage 1 is closed with every area of concern resolved."""
    return stage_1_clearance(f.stage_1_closed, open_concerns(f))


def decision_allowed(f: ProgramFacts) -> list[str]:
    """No decision while a major is unverified or a minor lacks an action plan."""
    missing: list[str] = []
    if not f.decision_audit_closed:
        missing.append("the audit the decision rests on is not closed")
    missing.extend(new_stage_2_needed(f))
    # Every major, whichever audit raised it, needs a verified correction and corrective action.
    for nc in f.nonconformities:
        if nc.severity == "major" and not nc.verified:
            missing.append(f"{nc.ref}: major nonconformity not verified")
    for nc in f.decision_nonconformities:
        if nc.severity == "minor" and not nc.action_planned:
            missing.append(f"{nc.ref}: minor nonconformity has no action plan")
    return missing


# --- the parts several rules, flags and reports share (each says its items once) ---------------------


def criteria_recorded(threshold: int | None) -> list[str]:
    """Risk acceptance criteria (6.1.1) are recorded before anything is judged against them."""
    return ["risk acceptance criteria (6.1.1): not recorded"] if threshold is None else []


def soa_decision_gaps(f: ProgramFacts) -> list[str]:
    """Every Annex A and added control decided in the statement of applicability, with a justification."""
    missing: list[str] = []
    for control in (*f.control_ids, *f.added_controls):
        decision = f.soa.get(control)
        if decision is None:
            missing.append(f"{control}: no decision")
        elif not decision[1].strip():
            missing.append(f"{control}: no justification")
    return missing


def impact_assessment_gap(s: SystemFacts) -> str | None:
    """What an in-scope system's impact assessment (6.1.4, 8.4) lacks: it is stale, or there is none."""
    if not s.in_scope:
        return None
    if s.impact_assessment == "stale":
        return f"AI system {s.name}: impact assessment stale"
    if s.impact_assessment != "current":
        return f"AI system {s.name}: no impact assessment"
    return None


def uncovered_by_internal_audit(f: ProgramFacts) -> list[str]:
    """The clauses and included controls no closed internal audit of the cycle has covered (9.2)."""
    return [ref for ref in f.audit_scope if ref not in f.internal_audit_coverage]


def management_review_gaps(f: ProgramFacts) -> list[str]:
    """A management review (9.3) held with every input (a)-(e)."""
    if not f.review_inputs:
        return ["management review: not held"]
    if any(inputs >= set(REVIEW_INPUTS) for inputs in f.review_inputs):
        return []
    present = max(f.review_inputs, key=len)
    lacking = [i for i in REVIEW_INPUTS if i not in present]
    return [f"management review: input {', '.join(f'({i})' for i in lacking)} missing"]


def open_majors(f: ProgramFacts) -> list[str]:
    """Every major nonconformity closed."""
    return [f"{nc.ref}: major nonconformity open" for nc in f.nonconformities
            if nc.severity == "major" and nc.state != "closed"]


def open_concerns(f: ProgramFacts) -> list[str]:
    """The Stage 1 areas of concern not yet resolved, by reference."""
    return [nc.ref for nc in f.nonconformities if nc.severity == "concern" and nc.state != "closed"]


def stage_1_clearance(stage_1_closed: bool, open_concerns: Iterable[str]) -> list[str]:
    """The Stage 2 prerequisite: Stage 1 closed with every area of concern resolved."""
    missing = [] if stage_1_closed else ["stage 1 audit: not closed"]
    return missing + [f"{ref}: Stage 1 concern open" for ref in open_concerns]


def new_stage_2_needed(f: ProgramFacts) -> list[str]:
    """A major unverified past the limit after the last Stage 2 day calls for a new Stage 2."""
    if not f.new_stage_2_required:
        return []
    return ["a major stayed unverified past the limit after the last Stage 2 day: a new Stage 2 is needed"]


NEW_STAGE_2_TO_HOLD = ("a new Stage 2 is required (a major stayed unverified past the limit after the last Stage 2 "
                       "day): schedule and hold a new Stage 2 audit")


def new_stage_2_to_hold(f: ProgramFacts) -> list[str]:
    """Once the cycle check has required a new Stage 2 (back in Stage 2, every Stage 2 audit closed), it stays
    required until one is scheduled: no decision rests on the Stage 2 already closed."""
    if f.state == "certification_stage_2" and f.decision_audit_closed and not f.stage_2_open:
        return [NEW_STAGE_2_TO_HOLD]
    return []


GATES: dict[str, Callable[[ProgramFacts], list[str]]] = {
    "gap_analysis_gate": gap_analysis_gate,
    "foundation_gate": foundation_gate,
    "controls_gate": controls_gate,
    "testing_gate": testing_gate,
    "stage_1_cleared": stage_1_cleared,
    "decision_allowed": decision_allowed,
}


def waivable(missing_item: str, waiver: str) -> bool:
    """A waiver names a missing item whole, or its subject (the part before ': ')."""
    w = waiver.strip().lower()
    item = missing_item.lower()
    return w == item or w == item.split(": ", 1)[0]
