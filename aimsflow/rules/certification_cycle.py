"""The dates of the three-year certification cycle (ISO/IEC 17021-1 practice, DOMAIN.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from aimsflow.errors import Refused


def certificate_expiry(decision: date) -> date:
    """Decision date plus three years (29 February falls back to 28 February)."""
    return decision + relativedelta(years=3)


def surveillance_1_due(decision: date) -> date:
    """The first surveillance audit: no later than 12 months after the decision."""
    return decision + relativedelta(months=12)


def surveillance_2_window(surveillance_1_year: int) -> tuple[date, date]:
    """The second surveillance: in the calendar year after the first."""
    year = surveillance_1_year + 1
    return date(year, 1, 1), date(year, 12, 31)


def recertification_expiry(old_expiry: date, decided_on: date) -> date:
    """A recertification decided before expiry extends the old expiry by three years."""
    if decided_on > old_expiry:
        raise Refused(f"recertification decided on {decided_on} is after the expiry {old_expiry}: "
                      "the certificate has lapsed")
    return old_expiry + relativedelta(years=3)


def major_verification_deadline(last_stage_2_day: date, days: int = 90) -> date:
    """The CB's deadline to verify the correction and corrective action of a major."""
    return last_stage_2_day + relativedelta(days=days)


def new_stage_2_required(last_stage_2_day: date, today: date, any_major_unverified: bool, months: int = 6) -> bool:
    """A major still unverified more than `months` after the last Stage 2 day means a new Stage 2."""
    return any_major_unverified and today > last_stage_2_day + relativedelta(months=months)


def restorable_until(expiry: date, months: int = 6) -> date:
    """The last day a lapsed certificate can be restored."""
    return expiry + relativedelta(months=months)


def is_restorable(expiry: date, today: date, months: int = 6) -> bool:
    """Whether a lapsed certificate can still be restored today."""
    return today <= restorable_until(expiry, months)


def stage_2_latest_start(stage_1_last_day: date, months: int = 6) -> date:
    """The latest Stage 2 start the CB allows after Stage 1 (configurable)."""
    return stage_1_last_day + relativedelta(months=months)


@dataclass(frozen=True)
class CycleWindows:
    decision: date
    expiry: date
    surveillance_1_due: date
    surveillance_2_window: tuple[date, date]
    recertification_due: date
    restorable_until: date


def plan_cycle(decision: date, surveillance_1_done_on: date | None = None) -> CycleWindows:
    """The cycle's windows from the decision date (and the first surveillance, once done)."""
    s1_due = surveillance_1_due(decision)
    s1_year = (surveillance_1_done_on or s1_due).year
    expiry = certificate_expiry(decision)
    return CycleWindows(decision, expiry, s1_due, surveillance_2_window(s1_year), expiry, restorable_until(expiry))
