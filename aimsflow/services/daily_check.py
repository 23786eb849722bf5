"""A program's daily checks, in one fixed order: what the scheduled flows, a moved clock and the demo run.

1. the deadline sweep (reminders, overdue marks, escalations);
2. the certification cycle (lapse, suspension, a new Stage 2: the booleans of its `CyclePlan`);
3. the next cycle audit's preparation, once within the program's lead time;
4. impact reassessments at their planned interval;
5. the recurring obligations: evidence that will be stale at the next audit, the yearly management review,
   the AI policy's review at its interval (A.2.4).

The steps are idempotent (keyed work items, events keyed by day), so running them again on the
same day repeats nothing.

A move of the clock is all-or-nothing across programs: the transaction that moves it also records,
for every program, that its checks are due at the new instant (`schedule_daily_checks`); each
program's checks then run in a transaction of their own that also deletes its due record
(`run_due_checks`). Killed part-way, the next run finds every (instant, program) still due and runs
them first, oldest instant first and programs in the order of their ids, as of their instant: the
database ends as an uninterrupted run would leave it.

Callers choose which steps run (the weekly and monthly deployments run only theirs), never their
order: nothing else assembles them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import col, select

from aimsflow.errors import InvalidInput
from aimsflow.services.certification import check_cycle
from aimsflow.services.cycle_preparation import open_cycle_preparation
from aimsflow.services.deadlines import SweepResult, sweep_deadlines
from aimsflow.services.evidence_freshness import request_fresh_evidence
from aimsflow.services.impact_intervals import reassess_on_interval
from aimsflow.services.policy_review import open_policy_review
from aimsflow.services.review_cycle import open_management_review
from aimsflow.uow import UnitOfWork
from models import Program, Setting


class Check(StrEnum):
    """One step of the daily checks; the members are in the order they run."""

    SWEEP = "sweep"
    CYCLE = "cycle"
    PREPARATION = "preparation"
    REASSESSMENT = "reassessment"
    EVIDENCE_FRESHNESS = "evidence-freshness"
    MANAGEMENT_REVIEW = "management-review"
    POLICY_REVIEW = "policy-review"


# What a day brings: the daily deployments and every move of the simulated clock run these.
DAILY: frozenset[Check] = frozenset({Check.SWEEP, Check.CYCLE, Check.PREPARATION, Check.REASSESSMENT})
# The recurring obligations, on their own (weekly, monthly) schedules and on `clock ... --recurring`.
RECURRING: frozenset[Check] = frozenset({Check.EVIDENCE_FRESHNESS, Check.MANAGEMENT_REVIEW, Check.POLICY_REVIEW})
EVERY_CHECK: frozenset[Check] = DAILY | RECURRING


@dataclass
class DailyCheckResult:
    """What each step did; a step that did not run is None."""

    program: str
    day: date
    swept: SweepResult | None = None
    cycle: list[str] | None = None  # lapse, suspension, a new Stage 2
    preparation: dict[str, Any] | None = None  # services.cycle_preparation's result
    reassessments: list[str] | None = None
    evidence: dict[str, Any] | None = None  # services.evidence_freshness's result
    review: dict[str, Any] | None = None  # services.review_cycle's result
    policy: dict[str, Any] | None = None  # services.policy_review's result
    ran: list[Check] = field(default_factory=list)

    def actions(self) -> list[str]:
        """One line for each thing the checks changed (nothing for a quiet day)."""
        lines = list(self.cycle or []) + list(self.reassessments or [])
        if self.preparation and self.preparation["opened"]:
            nxt = self.preparation["next"]
            lines.append(f"{nxt['audit']} audit by {nxt['latest']}: preparation opened "
                         f"({', '.join(self.preparation['opened'])})")
        if self.evidence and self.evidence["requested"]:
            lines.append(f"evidence renewal requested before the {self.evidence['next_audit']['what']}: "
                         f"{', '.join(self.evidence['requested'])}")
        if self.review and self.review["opened"]:
            lines.append(f"management review {self.review['year']} prepared: {', '.join(self.review['opened'])}")
        if self.policy and self.policy["opened"]:
            lines.append(f"AI policy review due by {self.policy['due']} opened: {self.policy['opened']}")
        s = self.swept
        if s and (s.reminders or s.overdue or s.escalations):
            lines.append(f"{len(s.reminders)} reminders, {len(s.overdue)} newly overdue, "
                         f"{len(s.escalations)} escalations")
        return lines

    def as_dict(self) -> dict[str, Any]:
        """Plain data (a task's result, `--json`)."""
        return {"program": self.program, "day": self.day.isoformat(), "ran": [c.value for c in self.ran],
                "swept": self.swept.as_dict() if self.swept else None, "cycle": self.cycle,
                "preparation": self.preparation, "reassessments": self.reassessments,
                "evidence": self.evidence, "review": self.review,
                "policy": {**self.policy, "last_reviewed": str(self.policy["last_reviewed"])} if self.policy else None}


def parse_checks(names: Iterable[str]) -> frozenset[Check]:
    """Check names as given (e.g. a flow's parameter) to checks; an unknown name is refused by name."""
    checks = set()
    for name in names:
        try:
            checks.add(Check(name))
        except ValueError:
            raise InvalidInput(f"daily check '{name}' is not one of {', '.join(c.value for c in Check)}") from None
    return frozenset(checks)


def run_daily_checks(uow: UnitOfWork, program: Program, *, checks: Iterable[Check] = DAILY,
                     force_review: bool = False, actor: str | None = None) -> DailyCheckResult:
    """Run the chosen daily checks of one program, in their fixed order, in this unit of work."""
    chosen = frozenset(checks)
    result = DailyCheckResult(program=program.key, day=uow.today(program))
    for check in Check:  # the declared order, whatever order the caller named them in
        if check not in chosen:
            continue
        result.ran.append(check)
        if check is Check.SWEEP:
            result.swept = sweep_deadlines(uow, program, actor=actor or "deadline-sweep")
        elif check is Check.CYCLE:
            result.cycle = check_cycle(uow, program, actor=actor or "cycle-check")
        elif check is Check.PREPARATION:
            result.preparation = open_cycle_preparation(uow, program, actor=actor or "certification-cycle")
        elif check is Check.REASSESSMENT:
            result.reassessments = reassess_on_interval(uow, program, actor=actor or "cycle-check")
        elif check is Check.EVIDENCE_FRESHNESS:
            result.evidence = request_fresh_evidence(uow, program, actor=actor or "evidence-freshness")
        elif check is Check.MANAGEMENT_REVIEW:
            result.review = open_management_review(uow, program, force=force_review,
                                                   actor=actor or "management-review")
        else:
            result.policy = open_policy_review(uow, program, actor=actor or "policy-review")
    return result


DUE = "daily_check.due:"  # Setting key: DUE + instant (ISO, UTC) + ":" + program id (10 digits); sorts in run order


def schedule_daily_checks(uow: UnitOfWork, at: datetime, *, recurring: bool = False) -> int:
    """Record that every program's daily checks are due at `at` (in the transaction that moves the clock)."""
    ids = list(uow.session.exec(select(Program.id).order_by(col(Program.id))))
    for program_id in ids:
        key = f"{DUE}{at.isoformat()}:{program_id:010d}"
        row = uow.session.get(Setting, key)
        value = "every" if recurring or (row is not None and row.value == "every") else "daily"
        uow.session.merge(Setting(key=key, value=value))
    return len(ids)


def due_checks(uow: UnitOfWork) -> list[str]:
    """The daily checks still due, in the order they run (oldest instant first, then by program id)."""
    return list(uow.session.exec(select(Setting.key).where(col(Setting.key).startswith(DUE))
                                 .order_by(col(Setting.key))))


def run_due_checks(uow: UnitOfWork, due: str) -> DailyCheckResult | None:
    """Run one program's checks that were due at their instant, as of that instant, and mark them done."""
    row = uow.session.get(Setting, due, with_for_update=True)
    if row is None:
        return None  # another process ran them first
    instant, program_id = due[len(DUE):].rsplit(":", 1)
    uow.session.delete(row)
    program = uow.session.get(Program, int(program_id))
    if program is None:
        return None
    uow.pin_now(datetime.fromisoformat(instant))
    return run_daily_checks(uow, program, checks=EVERY_CHECK if row.value == "every" else DAILY)
