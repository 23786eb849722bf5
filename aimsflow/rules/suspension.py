"""Suspension and withdrawal of a certificate (DOMAIN.md, "After the certificate").

A certificate is suspended for a cause: a surveillance audit missed ("surveillance 1"), or a major
raised at a surveillance or recertification audit not verified by its deadline ("NC-7"). The suspension
is lifted when every cause is resolved (the audit held, the major verified); not resolved within the
program's limit (commonly 6 months) the certificate is withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from dateutil.relativedelta import relativedelta

from aimsflow.rules.gates import NonconformityFacts, ProgramFacts

SURVEILLANCE = "surveillance"


def surveillance_cause(sequence: int) -> str:
    """The cause a missed surveillance audit suspends for ("surveillance 1")."""
    return f"{SURVEILLANCE} {sequence}"


def majors_past_deadline(nonconformities: Iterable[NonconformityFacts], today: date) -> list[str]:
    """The majors (by reference) still unverified after their verification deadline: each a cause to suspend."""
    return [nc.ref for nc in nonconformities
            if nc.severity == "major" and not nc.verified and nc.verify_by is not None and today > nc.verify_by]


def describe(cause: str) -> str:
    """A cause in words: "surveillance 1 audit missed", "NC-7: major not verified by its deadline"."""
    if cause.startswith(f"{SURVEILLANCE} "):
        return f"{cause} audit missed"
    return f"{cause}: major not verified by its deadline"


def unresolved_causes(causes: Iterable[str], verified: Iterable[str], closed_surveillance: Iterable[int]) -> list[str]:
    """The causes of a suspension not yet resolved, each in words: the missed audit not held, the major not verified."""
    done, held = set(verified), set(closed_surveillance)
    missing = []
    for cause in causes:
        if cause.startswith(f"{SURVEILLANCE} "):
            if int(cause.split()[1]) not in held:
                missing.append(f"suspended for {describe(cause)}: the audit is not closed yet")
        elif cause not in done:
            missing.append(f"suspended for {describe(cause)}: not verified yet")
    return missing


def withdrawal_date(suspended_on: date, limit_months: int) -> date:
    """The last day a suspension may be resolved; the day after, the certificate is withdrawn."""
    return suspended_on + relativedelta(months=limit_months)


def withdrawal_due(suspended_on: date | None, today: date, limit_months: int, unresolved: list[str]) -> bool:
    """A suspension still unresolved after its limit ends in withdrawal."""
    return bool(unresolved) and suspended_on is not None and today > withdrawal_date(suspended_on, limit_months)


def suspension_resolved(f: ProgramFacts) -> list[str]:
    """A suspended certificate is reinstated only when every cause of its suspension is resolved."""
    return unresolved_causes(f.suspension_causes, (nc.ref for nc in f.nonconformities if nc.verified),
                             f.closed_surveillance)
