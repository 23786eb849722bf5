"""What the work commands do to the runs an item waits in, when a Prefect API answers; else the sweep does it.

`work assign` cancels the old owner's run and starts (and mails) the new owner's; `work accept` and
`work reject` withdraw the reviewer's waiting run, and a rejection starts the owner's new run. Each
says in one clause what happened, or that the next deadline sweep will do it.
"""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.request
from typing import Any

from aimsflow.errors import AimsflowError

LATER = "the next deadline sweep starts their run and mails them"
PROBE_SECONDS = 2.0


def _unreachable() -> str | None:
    """Why no Prefect API can be used here, or None (a 2 s probe: a server that is down costs no retries)."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        return "no Prefect API is configured (PREFECT_API_URL)"
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=PROBE_SECONDS):
            return None
    except urllib.error.HTTPError:
        return None  # an answer, if a refusal: the client's auth string decides
    except (OSError, ValueError):
        return f"the Prefect API at {url} does not answer"


def _cancel(client: Any, run_id: str, why: str) -> None:
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Cancelled

    with contextlib.suppress(ObjectNotFound):  # deleted already: nothing waits there
        client.set_flow_run_state(run_id, Cancelled(message=why), force=True)


def hand_over_owner_runs(program: str, items: list[str], old_runs: list[str],
                         why: str) -> tuple[dict[str, str], str]:
    """Cancel the items' old owner runs, start the current owner's and mail them: (item -> new run, what happened)."""
    reason = _unreachable()
    if reason:
        return {}, f"{reason}: {LATER}"
    import httpx
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW, temporary_settings

    from aimsflow.cli.prefect_api import prefect_api
    from aimsflow.notify import deliver_pending
    from flows.owner_runs import OWNER_DEPLOYMENT, start_owner_runs

    try:  # tasks run here outside a flow: their logs stay local
        with prefect_api(), temporary_settings(updates={PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW: "ignore"}):
            if old_runs:
                with get_client(sync_client=True) as client:
                    for old_run in old_runs:
                        _cancel(client, old_run, why)
            runs = start_owner_runs(program, only=items)
    except (AimsflowError, httpx.HTTPError) as exc:
        return {}, f"the Prefect API did not take it ({exc}): {LATER}"
    if runs.deployment is None:
        return {}, f"no {OWNER_DEPLOYMENT} deployment (run `aimsflow serve`): {LATER}"
    deliver_pending()
    started = {item: runs.started[item] for item in items if item in runs.started}
    if not started:
        return {}, f"they were mailed; {LATER}"
    return started, (f"their owner run {started[items[0]]} is started and they were mailed" if len(items) == 1
                     else f"{len(started)} owner runs are started and they were mailed")


def withdraw_review_run(run_id: str | None, why: str) -> None:
    """Cancel a review run nobody needs any more (decided on the command line); best effort, quietly."""
    if not run_id or _unreachable():
        return
    import httpx
    from prefect.client.orchestration import get_client

    with contextlib.suppress(httpx.HTTPError, AimsflowError), get_client(sync_client=True) as client:
        _cancel(client, run_id, why)
