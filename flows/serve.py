"""`aimsflow serve`: every deployment of prefect.yaml served from one process, no work pool needed.

Suspended owner-task runs free their process and are picked up again after a resume. Each run is
a process of its own: at most `limit` run at once (a phase starts one owner run per item, and 30
processes started together thrash two cores). On SIGTERM Prefect's runner pauses the deployments'
schedules and cancels its runs through the API; when the server went away first, every one of
those calls retries for half a minute, so serve skips them and exits within STOP_SECONDS anyway.
The runner looks for resumed runs every POLL_SECONDS (Prefect's own default, 10 s, kept an
owner waiting up to 10 s after Submit; bench/owner_latency.py measures the whole wait).

A resumed owner run used to be a fresh interpreter (`python -m prefect.engine`) that spent about
1.6 s importing Prefect and the flow before its 0.2 s of work, while the owner waited. The flows
are served as in-memory flows (`Runner.add_flow`), which Prefect starts with `run_flow_in_subprocess`,
and `warm_start` makes those processes forks of a server process that has imported Prefect and the
flows once (multiprocessing's forkserver with a preload), instead of spawned interpreters.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import threading
import urllib.error
import urllib.request
from typing import Any

import prefect.flow_engine
from prefect.exceptions import TerminationSignal
from prefect.runner import Runner
from prefect.schedules import RRule
from prefect.settings import PREFECT_API_URL, PREFECT_RUNNER_POLL_FREQUENCY

from flows.certification_cycle import certification_cycle
from flows.deadline_sweep import deadline_sweep
from flows.deliver_notifications import deliver_notifications
from flows.evidence_collection import evidence_collection
from flows.evidence_freshness import evidence_freshness
from flows.management_review import management_review
from flows.nonconformity import nonconformity
from flows.owner_task import owner_task
from flows.reports import publish_reports
from flows.review_task import review_task
from flows.schedules import PLANNED, schedule_timezone
from flows.start_phase import start_phase

FLOWS: dict[str, Any] = {
    "start-phase": start_phase, "owner-task": owner_task, "review-task": review_task, "deadline-sweep": deadline_sweep,
    "deliver-notifications": deliver_notifications, "evidence-freshness": evidence_freshness,
    "evidence-collection": evidence_collection, "publish-reports": publish_reports,
    "certification-cycle": certification_cycle, "management-review": management_review,
    "nonconformity": nonconformity,
}


def served_flows(timezone: str | None = None) -> list[tuple[Any, dict[str, Any]]]:
    """Each planned flow with what its deployment is made of (name, description, schedules, tags)."""
    tz = timezone or schedule_timezone()
    return [(FLOWS[planned.name], {"name": planned.name, "description": planned.description, "tags": ["aimsflow"],
                                   "schedules": [RRule(planned.rrule, timezone=tz)] if planned.rrule else None})
            for planned in PLANNED]


def deployments(timezone: str | None = None) -> list[Any]:
    """The runner deployments of every planned flow, with their schedules."""
    return [flow.to_deployment(**spec) for flow, spec in served_flows(timezone)]


# What a run's process needs before its first line of work: imported once, in the fork server.
PRELOAD = ["prefect", "prefect.flow_engine", "prefect.flow_runs", "prefect.input", "flows.owner_task",
           "flows.review_task", "flows.start_phase", "flows.nonconformity", "sqlalchemy.dialects.sqlite", "models",
           "aimsflow.services.completion"]


class _ForkServerMultiprocessing:
    """`multiprocessing` as prefect.flow_engine sees it, except that its contexts are the fork server's.

    `run_flow_in_subprocess` asks for a "spawn" context by name; everything else it uses of the
    module (the Process class, its start and join) is the same on a forkserver context.
    """

    def __getattr__(self, name: str) -> Any:
        return getattr(multiprocessing, name)

    @staticmethod
    def get_context(method: str | None = None) -> Any:
        return multiprocessing.get_context("forkserver")


def warm_start() -> None:
    """Start served runs as forks of a warm server process (see the module's docstring)."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    prefect.flow_engine.multiprocessing = _ForkServerMultiprocessing()  # type: ignore[assignment]


POLL_SECONDS = 1  # one cheap query a second; a setting in the environment or the profile wins


def poll_seconds() -> float:
    """How often the runner looks for scheduled and resumed runs: POLL_SECONDS unless configured."""
    configured = PREFECT_RUNNER_POLL_FREQUENCY.value()
    if "PREFECT_RUNNER_POLL_FREQUENCY" in os.environ or configured != PREFECT_RUNNER_POLL_FREQUENCY.default():
        return float(configured)
    return float(POLL_SECONDS)


STOP_SECONDS = 20.0  # after SIGTERM: the graceful stop's bound, then serve exits regardless
PROBE_SECONDS = 2.0


def default_limit() -> int:
    """Runs at once by default: two per core, from 2 to 8 (4 on a 2-core machine)."""
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def api_reachable(timeout: float = PROBE_SECONDS) -> bool:
    """Whether the Prefect API answers at all (any HTTP status will do), within `timeout` seconds."""
    url = PREFECT_API_URL.value()
    if not url:
        return False
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # an answer, if a refusal (401 without the auth string)
    except (OSError, ValueError):
        return False


class BoundedStopRunner(Runner):
    """Prefect's runner, whose stop on SIGTERM does not wait on a server that went away."""

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        if self.started and not self.stopping:
            if not api_reachable():
                print("aimsflow serve: the Prefect API does not answer: stopping without pausing the deployments' "
                      "schedules", file=sys.stderr, flush=True)
                self.pause_on_shutdown = False
            timer = threading.Timer(STOP_SECONDS, _give_up)
            timer.daemon = True
            timer.start()
        super().handle_sigterm(*args, **kwargs)


def _give_up() -> None:
    print(f"aimsflow serve: not stopped {STOP_SECONDS:.0f} s after SIGTERM (the Prefect API does not answer): "
          "exiting; runs still going end on their own", file=sys.stderr, flush=True)
    os._exit(1)


def serve_all(limit: int | None = None) -> None:
    """Serve every deployment from this process until interrupted; at most `limit` runs at once (0: no limit)."""
    limit = default_limit() if limit is None else limit
    runner = BoundedStopRunner(limit=limit or None, query_seconds=poll_seconds())
    served = served_flows()
    warm_start()
    for flow, spec in served:
        runner.add_flow(flow, **spec)
    print(f"aimsflow serve: {len(served)} deployments ({', '.join(spec['name'] for _, spec in served)}), "
          f"{f'at most {limit} runs at once' if limit else 'no limit on runs at once'}; Ctrl-C or SIGTERM stops",
          flush=True)
    try:
        asyncio.run(runner.start())
    except (KeyboardInterrupt, TerminationSignal):
        print("aimsflow serve: interrupted, stopped", file=sys.stderr, flush=True)
