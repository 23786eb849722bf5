"""Accepting a residual risk (6.1.3): within the criteria anyone responsible may; above them, top management."""

from __future__ import annotations

from dataclasses import dataclass

from aimsflow.rules.gates import criteria_recorded


def above_criteria(residual: int | None, threshold: int | None) -> bool:
    """Whether a (residual) score is above the recorded acceptance criteria."""
    return residual is not None and threshold is not None and residual > threshold


@dataclass(frozen=True)
class RiskAcceptance:
    """Who accepts which residual, against which criteria, and why."""

    ref: str  # "RISK-3"
    residual: int
    threshold: int | None  # the acceptance criteria; None: not recorded
    by: str
    by_top_management: bool
    reason: str | None


def reason_missing(f: RiskAcceptance) -> bool:
    """Above the recorded criteria, an acceptance carries a written reason."""
    return above_criteria(f.residual, f.threshold) and not (f.reason or "").strip()


def acceptance_authorised(f: RiskAcceptance) -> list[str]:
    """Criteria recorded; above them the acceptance is top management's, with a written reason."""
    unrecorded = criteria_recorded(f.threshold)
    if unrecorded:
        return [f"{f.ref}: {item}" for item in unrecorded]
    if not above_criteria(f.residual, f.threshold):
        return []
    missing = []
    if not f.by_top_management:
        missing.append(f"{f.ref}: residual {f.residual} is above the criteria ({f.threshold}): "
                       f"{f.by} is not top management")
    if reason_missing(f):
        missing.append(f"{f.ref}: a written reason is required above the criteria")
    return missing
