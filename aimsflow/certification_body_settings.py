"""The certification-body settings a program may change: name, bounds, unit and meaning of each (data only).

A module of its own, importing nothing: the command line builds `program settings`' options from it at
start-up; `aimsflow.services.program_settings` checks and applies changes.
"""

from __future__ import annotations

from dataclasses import dataclass

ON_OFF = "on/off"  # the unit of a switch: on or off (also yes/no, true/false, 1/0)


@dataclass(frozen=True)
class SettingSpec:
    name: str
    low: int
    high: int
    unit: str
    meaning: str
    cap: str = ""  # why `high` is a hard limit rather than a sensible range (a rule above any CB's practice)


SETTINGS: dict[str, SettingSpec] = {s.name: s for s in (
    SettingSpec("major_verification_days", 1, 365, "days",
                "days after the last audit day within which the CB verifies a major's corrective action"),
    SettingSpec("new_stage_2_after_months", 1, 6, "months",
                "months after the last Stage 2 day after which an unverified major needs a new Stage 2",
                "ISO/IEC 17021-1 caps the time to verify majors after the last Stage 2 day at 6 months"),
    SettingSpec("restoration_window_months", 1, 6, "months",
                "months after expiry within which the CB may restore a lapsed certificate",
                "ISO/IEC 17021-1 caps the restoration of a lapsed certificate at 6 months"),
    SettingSpec("stage_1_to_stage_2_months", 1, 24, "months", "the longest gap the CB allows from Stage 1 to Stage 2"),
    SettingSpec("reminder_days", 0, 90, "days", "reminders this many days before an item is due (a list, e.g. 7,1)"),
    SettingSpec("escalate_to_pm_after_days", 0, 365, "days", "days overdue before the program manager is told"),
    SettingSpec("escalate_to_top_after_days", 1, 365, "days", "days overdue before top management is told"),
    SettingSpec("preparation_lead_days", 1, 365, "days", "how early a cycle audit's preparation work opens"),
    SettingSpec("impact_assessment_interval_months", 1, 60, "months",
                "the planned interval between impact assessments"),
    SettingSpec("evidence_valid_months", 1, 60, "months", "how long accepted evidence stays valid"),
    SettingSpec("readiness_lookback_months", 1, 12, "months",
                "a CB audit needs an internal audit and a management review held within this many months before it",
                "internal audits and management reviews are held at least yearly"),
    SettingSpec("policy_review_interval_months", 1, 36, "months", "the planned interval between AI policy reviews "
                "(A.2.4)"),
    SettingSpec("surveillance_effort_percent", 10, 100, "percent",
                "a surveillance audit's days as a share of the initial Stage 1 and Stage 2 days"),
    SettingSpec("recertification_effort_percent", 10, 100, "percent",
                "a recertification audit's days as a share of the initial Stage 1 and Stage 2 days"),
    SettingSpec("raise_unaddressed_minors", 0, 1, ON_OFF,
                "a minor of an earlier audit not verified when the next audit closes is raised to a major"),
    SettingSpec("suspension_limit_months", 1, 12, "months",
                "months a suspended certificate has to resolve its cause before it is withdrawn"),
)}
