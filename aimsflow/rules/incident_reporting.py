"""Art. 73 EU AI Act: a serious incident is reported to the market surveillance authority within 15 days
of awareness; within 10 days for a death; within 2 days for a widespread infringement or a serious and
irreversible disruption of critical infrastructure (DOMAIN.md, "EU AI Act dates")."""

from __future__ import annotations

from datetime import date, timedelta

DEFAULT_DAYS = 15
DAYS_BY_CAUSE: dict[str, int] = {
    "death": 10,
    "widespread": 2,  # a widespread infringement
    "critical-infrastructure": 2,  # a serious and irreversible disruption of critical infrastructure
}
CAUSES = tuple(DAYS_BY_CAUSE)


def reporting_days(cause: str | None) -> int:
    """Days from awareness the Act allows for reporting a serious incident of this cause."""
    return DAYS_BY_CAUSE[cause] if cause else DEFAULT_DAYS


def reporting_deadline(aware_on: date, cause: str | None) -> date:
    """The last day to report a serious incident (calendar days: a legal deadline never moves later)."""
    return aware_on + timedelta(days=reporting_days(cause))
