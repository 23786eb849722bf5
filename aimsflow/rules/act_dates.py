"""Which EU AI Act dates belong on a program's calendar (DOMAIN.md, "EU AI Act dates")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# applies_to in aimsflow/catalog/eu_ai_act.yaml -> the inventory fact that puts the date on the calendar.
EVERY_ORGANIZATION = "all"  # AI literacy, transparency: every provider and deployer, whatever the system
HIGH_RISK = "high"
GENERAL_PURPOSE = "gpai"
LAW_STATUSES = frozenset({"law", "omnibus"})  # the Omnibus dates are the law's dates now


def act_dates_that_apply(dates: Iterable[Mapping[str, Any]], *, high_risk: bool,
                         general_purpose: bool) -> list[Mapping[str, Any]]:
    """The catalog's Act dates a program's calendar carries: every organization's always, the others only
    where the inventory has a system of that class."""
    wanted = {EVERY_ORGANIZATION} | ({HIGH_RISK} if high_risk else set()) | (
        {GENERAL_PURPOSE} if general_purpose else set())
    return [d for d in dates if d["applies_to"] in wanted and d.get("status", "law") in LAW_STATUSES]
