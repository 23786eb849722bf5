"""`aimsflow serve`: every deployment of prefect.yaml served from one process, no work pool needed.

Suspended owner-task runs free their process and are picked up again after a resume: the runner
looks for them every POLL_SECONDS (Prefect's own default, 10 s, kept an owner waiting up to 10 s
after Submit before anything happened; bench/owner_latency.py measures the whole wait).
"""

from __future__ import annotations

import os
from typing import Any

from prefect import serve
from prefect.schedules import RRule
from prefect.settings import PREFECT_RUNNER_POLL_FREQUENCY, temporary_settings

from flows.certification_cycle import certification_cycle
from flows.deadline_sweep import deadline_sweep
from flows.deliver_notifications import deliver_notifications
from flows.evidence_collection import evidence_collection
from flows.evidence_freshness import evidence_freshness
from flows.management_review import management_review
from flows.nonconformity import nonconformity
from flows.owner_task import owner_task
from flows.reports import publish_reports
from flows.schedules import PLANNED, schedule_timezone
from flows.start_phase import start_phase

FLOWS: dict[str, Any] = {
    "start-phase": start_phase, "owner-task": owner_task, "deadline-sweep": deadline_sweep,
    "deliver-notifications": deliver_notifications, "evidence-freshness": evidence_freshness,
    "evidence-collection": evidence_collection, "publish-reports": publish_reports,
    "certification-cycle": certification_cycle, "management-review": management_review,
    "nonconformity": nonconformity,
}


def deployments(timezone: str | None = None) -> list[Any]:
    """The runner deployments of every planned flow, with their schedules."""
    tz = timezone or schedule_timezone()
    out = []
    for planned in PLANNED:
        schedules = [RRule(planned.rrule, timezone=tz)] if planned.rrule else None
        out.append(FLOWS[planned.name].to_deployment(name=planned.name, description=planned.description,
                                                     schedules=schedules, tags=["aimsflow"]))
    return out


POLL_SECONDS = 1  # one cheap query a second; a setting in the environment or the profile wins


def poll_seconds() -> float:
    """How often the runner looks for scheduled and resumed runs: POLL_SECONDS unless configured."""
    configured = PREFECT_RUNNER_POLL_FREQUENCY.value()
    if "PREFECT_RUNNER_POLL_FREQUENCY" in os.environ or configured != PREFECT_RUNNER_POLL_FREQUENCY.default():
        return float(configured)
    return float(POLL_SECONDS)


def serve_all(limit: int | None = None) -> None:
    """Serve every deployment from this process until interrupted."""
    with temporary_settings(updates={PREFECT_RUNNER_POLL_FREQUENCY: poll_seconds()}):
        serve(*deployments(), limit=limit)
