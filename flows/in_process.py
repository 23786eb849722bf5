"""owner-task run in this process: the demo and the tests drive it as an owner would.

The run is created through the API with the name and tags a deployed run gets, then executed in a
thread of this process, where it waits with `pause_flow_run` (it has no deployment). Whoever
drives it waits for the form to be stored and resumes the run through Prefect's resume API with
what a person would type.

Every call goes through `get_client(sync_client=True)`: inside `SyncClientContext` (the demo)
they share one open client. A new client builds an SSL context from the CA bundle, which costs
about 0.1 s of CPU on a 2-core machine: per poll, that was most of the demo's time.
"""

from __future__ import annotations

import contextvars
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from uuid import UUID

import httpx
from prefect.client.orchestration import get_client
from prefect.context import SettingsContext, get_settings_context
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from prefect.flow_engine import run_flow
from prefect.flow_runs import resume_flow_run
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, Settings

from aimsflow.errors import AimsflowError
from flows.owner_task import owner_task

T = TypeVar("T")
WAIT_SECONDS = 60.0
RETRY_503_ATTEMPTS = 12  # about 10 s in all before the server's refusal is raised


class TimedOut(AimsflowError):
    """A run did not reach the point it was waited for in time."""


def wait_for(predicate: Callable[[], T | None], what: str, *, timeout: float = WAIT_SECONDS,
             every: float = 0.1) -> T:
    """Call `predicate` until it returns a value; raise TimedOut naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimedOut(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def retrying_503(call: Callable[[], T]) -> T:
    """`call` (one Prefect API request that writes), tried again soon when the server answers 503.

    On SQLite the server creates a run, or resumes one, in a transaction that reads before it
    writes: another write landing in between makes it roll back and answer 503. Prefect's client
    would wait 2 s, then 4, 8... before trying again; this tries again after a tenth of a second.
    Its retries are off meanwhile, so the transport errors it would retry are retried here.
    """
    for attempt in range(RETRY_503_ATTEMPTS):
        try:
            with _no_client_retries():
                return call()
        except PrefectHTTPStatusError as exc:
            if exc.response.status_code != 503 or attempt == RETRY_503_ATTEMPTS - 1:
                raise
        except httpx.TransportError:  # e.g. a kept-alive connection the server closed: retried as Prefect would
            if attempt == RETRY_503_ATTEMPTS - 1:
                raise
        time.sleep(min(0.1 * 2**attempt, 2.0))
    raise AssertionError("unreachable")


_NO_RETRIES: dict[int, tuple[Settings, Settings]] = {}  # id(settings) -> (settings, the same without retries)


@contextmanager
def _no_client_retries() -> Iterator[None]:
    """The current settings with PREFECT_CLIENT_MAX_RETRIES 0, built once per settings object.

    `temporary_settings` would build them anew on every call, about 50 ms of CPU each.
    """
    context = get_settings_context()
    cached = _NO_RETRIES.get(id(context.settings))
    if cached is None or cached[0] is not context.settings:
        cached = (context.settings, context.settings.copy_with_update(updates={PREFECT_CLIENT_MAX_RETRIES: 0}))
        _NO_RETRIES[id(context.settings)] = cached
    with SettingsContext(profile=context.profile, settings=cached[1]):
        yield


def stored_form(run_id: UUID, attempt: int, kind: str = "paused") -> str | None:
    """The description of the form the run waits with at `attempt`, once it is stored; else None.

    One request: Prefect sets the run paused (or suspended), stores the form's schema, then its
    description, so a stored description means the form is complete and the run can be resumed.
    """
    with get_client(sync_client=True) as client:
        try:
            raw = client.read_flow_run_input(flow_run_id=run_id, key=f"{kind}-attempt-{attempt}-description")
        except ObjectNotFound:
            return None
        except PrefectHTTPStatusError as exc:  # this read reports a missing input as a plain 404
            if exc.response.status_code == 404:
                return None
            raise
    text: str = json.loads(raw)  # stored as JSON text
    return text


def waiting_form(run_id: UUID, attempt: int, kind: str = "paused", *, timeout: float = WAIT_SECONDS,
                 every: float = 0.1) -> str:
    """Wait until the run waits at `attempt` (paused or suspended) with its form stored; its description."""
    return wait_for(lambda: stored_form(run_id, attempt, kind), f"run {run_id} to wait at attempt {attempt}",
                    timeout=timeout, every=every)


class InProcessOwnerTask:
    """One owner-task run executed in a thread of this process; `resume` completes its form."""

    def __init__(self, item: str, *, name: str | None = None, tags: Iterable[str] = (), poll_seconds: float = 0.1,
                 pause_timeout: int = 300) -> None:
        self.item = item
        self.poll_seconds = poll_seconds
        parameters = {"item": item, "poll_seconds": poll_seconds, "pause_timeout": pause_timeout}
        with get_client(sync_client=True) as client:
            self.flow_run = retrying_503(lambda: client.create_flow_run(owner_task, name=name, parameters=parameters,
                                                                        tags=list(tags)))
        self.id: UUID = self.flow_run.id
        self._result: Any = None
        self._error: BaseException | None = None
        context = contextvars.copy_context()  # Prefect's settings (heartbeat off) and client live in context vars
        self._thread = threading.Thread(target=context.run, args=(self._run, parameters), daemon=True,
                                        name=f"owner-task {item}")
        self._thread.start()

    def _run(self, parameters: dict[str, Any]) -> None:
        try:
            self._result = run_flow(owner_task, flow_run=self.flow_run, parameters=parameters)
        except BaseException as exc:  # handed over in result()
            self._error = exc

    def form(self, attempt: int, *, timeout: float = WAIT_SECONDS) -> str:
        """The form's description once the run waits at this attempt with its form stored."""
        return waiting_form(self.id, attempt, "paused", timeout=timeout, every=self.poll_seconds)

    def resume(self, **run_input: Any) -> None:
        """Submit the form through Prefect's resume API, as the UI's Resume button does."""
        retrying_503(lambda: resume_flow_run(self.id, run_input=run_input))

    def result(self, timeout: float = WAIT_SECONDS) -> Any:
        """The flow's return value once it finished (its error, raised, if it failed)."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimedOut(f"the owner-task run of {self.item} did not finish within {timeout:.0f} s")
        if self._error is not None:
            raise self._error
        return self._result
