"""Audit readiness: what a certification body looks at before each audit, as one pure function.

A CB checks the same things at Stage 1, Stage 2, every surveillance and the recertification (DOMAIN.md,
"After the certificate"): an internal audit and a management review held within the last year (the
review with inputs (a)-(e), (a) covering every action of the previous review), the previous audit's
minors acted on, every included control's evidence valid on the audit date, every in-scope AI
system's impact assessment current on that date, the AI policy reviewed within its interval (A.2.4),
and at recertification an internal audit programme that covered every clause and included control in
the cycle. `missing_for_audit` names each missing item as the phase gates name theirs ("subject:
problem"; a waiver names the item or its subject), with a stable code for machines. The audit
lifecycle's start guard (`audit_guards.audit_may_start`), `audit readiness`, `status` and the
readiness packs all ask it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta

from aimsflow.rules.gates import REVIEW_INPUTS

CB_AUDIT_KINDS = ("stage1", "stage2", "surveillance", "recertification")
# A minor's action plan counts as acted on once the action is implemented (the CB verifies it at the audit).
IMPLEMENTED_OR_LATER = frozenset({"action_implemented", "effectiveness_verified", "closed"})


@dataclass(frozen=True)
class Missing:
    """One missing item: a stable code (`evidence:A.7.4`) and the words the gates would use."""

    code: str
    text: str

    @property
    def subject(self) -> str:
        """What a waiver may name instead of the whole item: the part before ': '."""
        return self.text.split(": ", 1)[0]


@dataclass(frozen=True)
class ReviewHeld:
    """A management review as readiness judges it."""

    ref: str  # "MR-2"
    held_on: date
    inputs: frozenset[str]  # the inputs present, of (a)-(e)
    input_a: str  # what input (a) says: it must name every action of the previous review
    previous: str | None = None  # the review before it ("MR-1")
    previous_actions: tuple[str, ...] = ()  # that review's actions, by reference ("WI-41")


@dataclass(frozen=True)
class SystemAssessment:
    """An in-scope AI system and its impact assessment (state and the date its interval ends)."""

    name: str
    state: str | None  # required | current | stale | None
    next_due: date | None = None


@dataclass(frozen=True)
class AuditReadinessFacts:
    """The record as it stands for one CB audit on one date."""

    kind: str
    on: date
    cycle: int = 1
    lookback_months: int = 12
    internal_audits_closed: tuple[date, ...] = ()  # the last day of each closed internal audit
    reviews: tuple[ReviewHeld, ...] = ()
    previous_audit: str | None = None  # the last closed CB audit before this one ("AUD-5")
    previous_minors: tuple[tuple[str, str], ...] = ()  # (NC-n, state) of each minor it raised
    evidence: Mapping[str, date | None] = field(default_factory=dict)  # included control -> accepted until
    systems: tuple[SystemAssessment, ...] = ()  # the in-scope systems not retired
    policy_reviewed_on: date | None = None  # the AI policy's last approval or review (A.2.4)
    policy_review_interval_months: int = 12
    audit_scope: tuple[str, ...] = ()  # every clause and included control
    cycle_coverage: frozenset[str] = frozenset()  # what the cycle's closed internal audits covered

    @property
    def since(self) -> date:
        """The earliest day an internal audit or review still counts for this audit."""
        return self.on - relativedelta(months=self.lookback_months)


def missing_for_audit(f: AuditReadinessFacts) -> list[Missing]:
    """Every item a CB audit of `f.kind` on `f.on` finds missing; an empty list: ready."""
    if f.kind not in CB_AUDIT_KINDS:
        return []
    missing = _held_within(f)
    missing += [Missing(f"minor:{ref}", f"{ref}: minor nonconformity of {f.previous_audit} has no implemented "
                                        f"action ({state.replace('_', ' ')})")
                for ref, state in f.previous_minors if state not in IMPLEMENTED_OR_LATER]
    for control, until in sorted(f.evidence.items()):
        if until is None:
            missing.append(Missing(f"evidence:{control}", f"{control}: no accepted evidence"))
        elif until < f.on:
            missing.append(Missing(f"evidence:{control}", f"{control}: evidence not valid on {f.on} "
                                                          f"(valid until {until})"))
    missing += [m for s in f.systems if (m := _assessment_gap(s, f.on))]
    missing += _policy_review(f)
    if f.kind == "recertification":
        missing += [Missing(f"audit-programme:{ref}", f"internal audit programme: {ref} not covered in cycle {f.cycle}")
                    for ref in f.audit_scope if ref not in f.cycle_coverage]
    return missing


def _held_within(f: AuditReadinessFacts) -> list[Missing]:
    """An internal audit (9.2) and a management review (9.3) within the lookback, the review complete."""
    window = f"between {f.since} and {f.on}"
    missing = []
    if not any(day >= f.since for day in f.internal_audits_closed):
        missing.append(Missing("internal-audit", f"internal audit: none closed {window}"))
    recent = [r for r in f.reviews if r.held_on >= f.since]
    if not recent:
        return [*missing, Missing("management-review", f"management review: none held {window}")]
    return missing + _review_gaps(max(recent, key=lambda r: r.held_on))  # the latest review is the one judged


def _review_gaps(r: ReviewHeld) -> list[Missing]:
    gaps = []
    lacking = [i for i in REVIEW_INPUTS if i not in r.inputs]
    if lacking:
        gaps.append(Missing("management-review-inputs", f"management review {r.ref}: input "
                                                        f"{', '.join(f'({i})' for i in lacking)} missing"))
    uncovered = [a for a in r.previous_actions if not re.search(rf"\b{re.escape(a)}\b", r.input_a)]
    if uncovered:
        gaps.append(Missing("management-review-actions", f"management review {r.ref}: input (a) does not cover "
                                                         f"{', '.join(uncovered)} (actions of {r.previous})"))
    return gaps


def _assessment_gap(s: SystemAssessment, on: date) -> Missing | None:
    code, subject = f"impact-assessment:{s.name}", f"AI system {s.name}"
    if s.state == "stale":
        return Missing(code, f"{subject}: impact assessment stale")
    if s.state != "current":
        return Missing(code, f"{subject}: no impact assessment")
    if s.next_due is not None and s.next_due < on:
        return Missing(code, f"{subject}: impact assessment not current on {on} (its interval ends {s.next_due})")
    return None


def _policy_review(f: AuditReadinessFacts) -> list[Missing]:
    if f.policy_reviewed_on is None:
        return [Missing("ai-policy-review", "AI policy (A.2.4): never approved or reviewed")]
    due = policy_review_due(f.policy_reviewed_on, f.policy_review_interval_months)
    if due < f.on:
        return [Missing("ai-policy-review", f"AI policy (A.2.4): last reviewed {f.policy_reviewed_on}, its review "
                                            f"was due by {due}")]
    return []


def policy_review_due(reviewed_on: date, interval_months: int) -> date:
    """The day the AI policy's next review (A.2.4) is due."""
    return reviewed_on + relativedelta(months=interval_months)
