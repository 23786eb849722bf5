"""Findings followed between audits (DOMAIN.md, "After the certificate").

A certification audit's minor has its action plan accepted and is verified by the certification
body at its next audit; one still unverified when that audit closes is raised to a major (a program
setting, on by default), with a major's verification deadline. Every open finding is due by an audit
or a date, which `status` shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from aimsflow.rules.corrective_action import verified_at_next_audit
from states.audit import CB_AUDITS
from states.nonconformity import Severity


@dataclass(frozen=True)
class DueBy:
    """What an open finding is due by: an audit (its name, and its date when known) or a date."""

    audit: str | None
    date: date | None

    def as_dict(self) -> dict[str, str | None]:
        return {"audit": self.audit, "date": self.date.isoformat() if self.date else None}

    def __str__(self) -> str:
        when = self.date.isoformat() if self.date else "date not set"
        return f"the {self.audit} audit ({when})" if self.audit else when


def due_by(severity: str, source: str, verify_by: date | None, next_audit: DueBy | None,
           step_due: date | None) -> DueBy | None:
    """A concern is resolved before Stage 2; a major by its verification deadline; a certification audit's
    minor at the body's next audit; any other finding by the due date of its loop's current step."""
    if severity == Severity.CONCERN:
        return DueBy("Stage 2", None)
    if verify_by is not None:
        return DueBy(None, verify_by)
    if verified_at_next_audit(severity, source):
        return next_audit or DueBy("next certification", None)
    return DueBy(None, step_due) if step_due else None


@dataclass(frozen=True)
class OpenMinor:
    """A minor nonconformity as the closing audit sees it."""

    ref: str  # "NC-4"
    severity: str
    source: str  # the kind of audit that raised it
    raised_on: date  # the last day of that audit
    verified: bool


def unaddressed_minors(closing_kind: str, closing_start: date, minors: Iterable[OpenMinor]) -> list[str]:
    """The minors of earlier certification audits that a certification audit closes without verifying."""
    if closing_kind not in CB_AUDITS:
        return []
    return [m.ref for m in minors if m.severity == Severity.MINOR and m.source in CB_AUDITS
            and m.raised_on < closing_start and not m.verified]
