"""Recurring obligations' dates: what is past its planned interval (pure date logic)."""

from __future__ import annotations

from datetime import date


def interval_passed(next_due: date | None, today: date) -> bool:
    """A current impact assessment past its planned date counts as stale, whether or not a check has run."""
    return next_due is not None and today > next_due


def assessment_state(state: str, next_due: date | None, today: date) -> str:
    """An impact assessment's state as the gates judge it: a current one past its interval is stale."""
    return "stale" if state == "current" and interval_passed(next_due, today) else state
