"""The dates of the three-year certification cycle (ISO/IEC 17021-1 practice, DOMAIN.md).

Months and years are added with `relativedelta`, which clamps to the month's last day:
a decision on 29 February expires on 28 February three years later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from aimsflow.errors import InvalidInput, Refused
from states.audit import AuditKind
from states.program import HOLDS_CERTIFICATE, ProgramState

CYCLE_YEARS = 3


def certificate_expiry(decision: date) -> date:
    """Decision date plus three years (29 February falls back to 28 February)."""
    return decision + relativedelta(years=CYCLE_YEARS)


def surveillance_1_due(decision: date) -> date:
    """The first surveillance audit: no later than 12 months after the decision."""
    return decision + relativedelta(months=12)


def surveillance_2_window(surveillance_1_year: int) -> tuple[date, date]:
    """The second surveillance: 1 January to 31 December of the calendar year after the first."""
    year = surveillance_1_year + 1
    return date(year, 1, 1), date(year, 12, 31)


def recertification_expiry(old_expiry: date, decided_on: date) -> date:
    """A recertification decided on or before expiry extends the old expiry by three years."""
    if decided_on > old_expiry:
        raise Refused(f"recertification decided on {decided_on} is after the certificate expired on "
                      f"{old_expiry}: the certificate has lapsed")
    return old_expiry + relativedelta(years=CYCLE_YEARS)


def major_verification_deadline(last_stage_2_day: date, days: int = 90) -> date:
    """The CB's deadline to verify the correction and corrective action of a major."""
    return last_stage_2_day + relativedelta(days=days)


def new_stage_2_required(last_stage_2_day: date, today: date, any_major_unverified: bool,
                         months: int = 6) -> bool:
    """A major still unverified more than `months` after the last Stage 2 day means a new Stage 2."""
    return any_major_unverified and today > last_stage_2_day + relativedelta(months=months)


def restorable_until(expiry: date, months: int = 6) -> date:
    """The last day a lapsed certificate can be restored."""
    return expiry + relativedelta(months=months)


def is_restorable(expiry: date, today: date, months: int = 6) -> bool:
    """Whether a lapsed certificate can still be restored today (up to and including the last day)."""
    return today <= restorable_until(expiry, months)


def stage_2_latest_start(stage_1_last_day: date, months: int = 6) -> date:
    """The latest Stage 2 start the CB allows after Stage 1 (configurable)."""
    return stage_1_last_day + relativedelta(months=months)


@dataclass(frozen=True)
class CycleWindows:
    """The dates of one certification cycle, from its decision to the end of restoration."""

    decision: date
    expiry: date
    surveillance_1_due: date
    surveillance_2_window: tuple[date, date]
    recertification_due: date
    restorable_until: date


def cycle_start(decision: date, expiry: date) -> date:
    """The day a certificate's cycle is counted from: its decision, or, for a certificate restored after it
    lapsed (decided after its old expiry, which is its expiry less three years), that old expiry.

    A restoration continues the original cycle: its surveillance dates stay where the original decision
    put them (decision + 12 months, and so on), not the restoration date + 12 months.
    """
    return min(decision, expiry - relativedelta(years=CYCLE_YEARS))


def plan_cycle(decision: date, surveillance_1_done_on: date | None = None, *,
               expiry: date | None = None, restore_months: int = 6) -> CycleWindows:
    """The cycle's windows from the decision date (and the first surveillance, once done)."""
    if surveillance_1_done_on is not None and surveillance_1_done_on < decision:
        raise InvalidInput(f"surveillance 1 done on {surveillance_1_done_on} is before the certification "
                           f"decision of {decision}")
    # After a recertification the expiry is the old expiry + 3 years, not the decision + 3 years.
    expiry = expiry or certificate_expiry(decision)
    s1_due = surveillance_1_due(cycle_start(decision, expiry))
    s1_year = (surveillance_1_done_on or s1_due).year
    return CycleWindows(decision=decision, expiry=expiry, surveillance_1_due=s1_due,
                        surveillance_2_window=surveillance_2_window(s1_year), recertification_due=expiry,
                        restorable_until=restorable_until(expiry, restore_months))


# The program states in which a certificate is held (and so can lapse at its expiry).
HOLDING = HOLDS_CERTIFICATE | {ProgramState.SUSPENDED}


@dataclass(frozen=True)
class CycleAudit:
    """The next audit the cycle requires: its label, audit kind and sequence, its latest date."""

    label: str  # "surveillance-1", "surveillance-2" or "recertification"
    kind: AuditKind
    sequence: int
    latest: date
    preparation_opens: date  # `preparation_lead_days` before `latest`


@dataclass(frozen=True)
class CyclePlan:
    """Where a program stands in its cycle today: the dates, and what they call for (booleans)."""

    today: date
    windows: CycleWindows | None  # None until the first certificate
    new_stage_2_required: bool  # resolution waits on a major unverified past the limit
    lapses: bool  # a held certificate is past its expiry
    surveillance_1_missed: bool
    surveillance_2_missed: bool
    next_audit: CycleAudit | None
    preparation_due: bool  # today is within the lead time of `next_audit`

    @property
    def missed_surveillance(self) -> int | None:
        """The sequence of the surveillance audit missed (1 or 2), or None."""
        return 1 if self.surveillance_1_missed else 2 if self.surveillance_2_missed else None


def _next_audit(state: ProgramState, w: CycleWindows, lead_days: int) -> CycleAudit | None:
    nxt = {ProgramState.CERTIFIED: ("surveillance-1", AuditKind.SURVEILLANCE, 1, w.surveillance_1_due),
           ProgramState.SURVEILLANCE_1: ("surveillance-2", AuditKind.SURVEILLANCE, 2, w.surveillance_2_window[1]),
           ProgramState.SURVEILLANCE_2: ("recertification", AuditKind.RECERTIFICATION, 1, w.recertification_due),
           }.get(state)
    if nxt is None:
        return None
    label, kind, sequence, latest = nxt
    return CycleAudit(label, kind, sequence, latest, latest - relativedelta(days=lead_days))


def plan_certification_cycle(state: ProgramState, today: date, *, decision: date | None, expiry: date | None,
                             surveillance_1_done_on: date | None = None, new_stage_2_required: bool = False,
                             preparation_lead_days: int = 60, restore_months: int = 6) -> CyclePlan:
    """The cycle's facts for a program in `state` on `today` (decision and expiry: its current certificate)."""
    resolving = state is ProgramState.CERTIFICATION_RESOLUTION
    if decision is None or expiry is None:
        return CyclePlan(today, None, resolving and new_stage_2_required, False, False, False, None, False)
    windows = plan_cycle(decision, surveillance_1_done_on, expiry=expiry, restore_months=restore_months)
    lapses = not resolving and state in HOLDING and today > windows.expiry
    nxt = _next_audit(state, windows, preparation_lead_days)
    return CyclePlan(
        today=today, windows=windows, new_stage_2_required=resolving and new_stage_2_required, lapses=lapses,
        surveillance_1_missed=not lapses and state is ProgramState.CERTIFIED and today > windows.surveillance_1_due,
        surveillance_2_missed=(not lapses and state is ProgramState.SURVEILLANCE_1
                               and today > windows.surveillance_2_window[1]),
        next_audit=nxt, preparation_due=nxt is not None and today >= nxt.preparation_opens)
