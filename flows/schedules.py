"""The deployments aimsflow runs, and when: one table for `aimsflow serve`; prefect.yaml repeats it.

Every schedule is an RRULE with an explicit DTSTART in a named time zone (without them, runs
shift). The zone is AIMSFLOW_SCHEDULE_TIMEZONE, Asia/Singapore by default; due dates themselves
follow each program's own zone, so the sweeps only need to run once a day somewhere near morning.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_TIMEZONE = "Asia/Singapore"


@dataclass(frozen=True)
class Planned:
    name: str  # the deployment's name (and its flow's name)
    entrypoint: str  # path:function, relative to the project folder
    rrule: str | None  # None: on demand only
    description: str


PLANNED: tuple[Planned, ...] = (
    Planned("start-phase", "flows/start_phase.py:start_phase", None,
            "Open a phase's work items and start one owner-task run per item (parameters: program, phase)."),
    Planned("owner-task", "flows/owner_task.py:owner_task", None,
            "One work item waiting for its owner's form; started by the other flows."),
    Planned("review-task", "flows/review_task.py:review_task", None,
            "One submitted item waiting for its reviewer's decision; started when the item is submitted."),
    Planned("deadline-sweep", "flows/deadline_sweep.py:deadline_sweep",
            "DTSTART:20260101T070000\nRRULE:FREQ=DAILY", "Daily: reminders, overdue marks and escalations."),
    Planned("deliver-notifications", "flows/deliver_notifications.py:deliver_notifications",
            "DTSTART:20260101T000000\nRRULE:FREQ=MINUTELY;INTERVAL=15", "Every 15 minutes: send the outbox."),
    Planned("evidence-freshness", "flows/evidence_freshness.py:evidence_freshness",
            "DTSTART:20260105T073000\nRRULE:FREQ=WEEKLY;BYDAY=MO",
            "Weekly: request evidence again that will be stale at the next audit."),
    Planned("evidence-collection", "flows/evidence_collection.py:evidence_collection",
            "DTSTART:20260101T000500\nRRULE:FREQ=HOURLY",
            "Hourly: run the collectors whose own RRULE is due; unchanged evidence is re-confirmed."),
    Planned("publish-reports", "flows/reports.py:publish_reports", None,
            "On demand: attach a program's reports to the run as Markdown artifacts (parameter: program)."),
    Planned("certification-cycle", "flows/certification_cycle.py:certification_cycle",
            "DTSTART:20260101T063000\nRRULE:FREQ=DAILY",
            "Daily: lapse, suspension, a new Stage 2; the next audit's preparation ahead of time."),
    Planned("management-review", "flows/management_review.py:management_review",
            "DTSTART:20260101T080000\nRRULE:FREQ=MONTHLY;BYMONTHDAY=1",
            "Monthly check, yearly per program: a review's work opens a month before its anniversary."),
    Planned("nonconformity", "flows/nonconformity.py:nonconformity",
            "DTSTART:20260101T064500\nRRULE:FREQ=DAILY",
            "On each finding and daily: the work of each nonconformity's current loop step."),
)


def schedule_timezone() -> str:
    return os.environ.get("AIMSFLOW_SCHEDULE_TIMEZONE") or DEFAULT_TIMEZONE
