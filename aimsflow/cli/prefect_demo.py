"""The demo on Prefect: simulated owners complete their owner-task runs through Prefect's resume API.

Each owner reads the code from their assignment notice in the demo's mailbox, waits for their run's
form, and resumes it with what a person would type; the first one mistypes the code once, and the
run waits again. Runs are started in this process (Prefect's local server, nothing to start by
hand), a few at a time, and wait with pause_flow_run, as owner-task does outside a deployment.
"""

from __future__ import annotations

import contextvars
import json
import mailbox
import re
import threading
import time
import uuid
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import tags
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from prefect.flow_runs import resume_flow_run

from aimsflow.demo import Demo, OpenItem
from aimsflow.errors import AimsflowError
from flows.deliver_notifications import deliver_notifications
from flows.owner_task import owner_task

CODE = re.compile(r"completion code for this item: ([A-Z0-9]{4}-[A-Z0-9]{4})")
SUBJECT = re.compile(r"\] (WI-\d+) assigned to you")
WAIT_SECONDS = 60


def codes_from_mailbox(path: Path) -> dict[str, str]:
    """The latest completion code each item's assignee received."""
    codes: dict[str, str] = {}
    box = mailbox.mbox(str(path))
    try:
        for message in box:
            subject = SUBJECT.search(str(message["Subject"] or ""))
            body = _text(message)
            code = CODE.search(body)
            if subject and code:
                codes[subject.group(1)] = code.group(1)
    finally:
        box.close()
    return codes


def _text(message: Message) -> str:
    payload = message.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def _wait(predicate: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AimsflowError(f"demo: timed out waiting for {what}")
        time.sleep(0.05)


class OwnerRun:
    """One owner-task run started in a thread of this process; the simulated owner resumes it."""

    def __init__(self, item: str) -> None:
        self.item = item
        self.tag = f"demo-{uuid.uuid4().hex[:10]}"
        self.error: BaseException | None = None
        self.result: Any = None
        context = contextvars.copy_context()  # Prefect's settings (heartbeat off) live in context vars
        self.thread = threading.Thread(target=context.run, args=(self._run,), daemon=True)
        self.thread.start()
        self.id: UUID = _wait(self._find, f"the owner-task run of {item}")

    def _run(self) -> None:
        try:
            with tags(self.tag, f"item:{self.item}"):
                self.result = owner_task(item=self.item, poll_seconds=0.1, pause_timeout=300)
        except BaseException as exc:  # handed over in join()
            self.error = exc

    def _find(self) -> UUID | None:
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[self.tag])))
        return runs[0].id if runs else None

    def form(self, attempt: int) -> str:
        """The form's description once the run waits at this attempt with its form stored."""

        def stored() -> str | None:
            with get_client(sync_client=True) as client:
                run = client.read_flow_run(self.id)
                if not (run.state and run.state.is_paused()):
                    return None
                try:
                    client.read_flow_run_input(flow_run_id=self.id, key=f"paused-attempt-{attempt}-schema")
                    raw = client.read_flow_run_input(flow_run_id=self.id,
                                                     key=f"paused-attempt-{attempt}-description")
                except (ObjectNotFound, PrefectHTTPStatusError):
                    return None  # the run waits, but has not stored all of its form yet
            text: str = json.loads(raw)
            return text

        form: str = _wait(stored, f"the form of {self.item} (attempt {attempt})")
        return form

    def join(self) -> Any:
        self.thread.join(WAIT_SECONDS)
        if self.thread.is_alive():
            raise AimsflowError(f"demo: the owner-task run of {self.item} did not finish")
        if self.error is not None:
            raise self.error
        return self.result


class PrefectOwners:
    """Owners who complete every item in its owner-task run's form, a few runs at a time."""

    def __init__(self, mailbox_path: Path, echo: Callable[[str], None], parallel: int = 4) -> None:
        self.mailbox = mailbox_path
        self.echo = echo
        self.parallel = parallel
        self.runs = 0
        self.seconds = 0.0
        self.mistyped = False

    def complete(self, demo: Demo, items: list[OpenItem]) -> None:
        deliver_notifications()  # the assignment notices, each with its owner's one-time code
        codes = codes_from_mailbox(self.mailbox)
        for start in range(0, len(items), self.parallel):
            batch = items[start:start + self.parallel]
            began = time.perf_counter()
            runs = [(item, OwnerRun(item.ref)) for item in batch]
            for item, run in runs:
                self._fill(item, run, codes[item.ref])
            for _item, run in runs:
                run.join()
            self.runs += len(batch)
            self.seconds += time.perf_counter() - began
            self.echo(f"    {self.runs} owner-task runs completed in their Prefect forms "
                      f"({self.seconds / self.runs:.1f} s a run)")

    def _fill(self, item: OpenItem, run: OwnerRun, code: str) -> None:
        answer: dict[str, Any] = {"code": code, "note": item.note}
        if item.assessment:
            answer["assessment"] = item.assessment
        if item.kind == "approval":
            answer["approve"] = True
        if item.evidence:
            answer["evidence"] = item.evidence
        run.form(1)
        if not self.mistyped:
            # What a person might do once: a typo in the code. The run waits again and says why.
            self.mistyped = True
            resume_flow_run(run.id, run_input={**answer, "code": "ABCD-EFGH"})
            reason = run.form(2).splitlines()[0]
            self.echo(f"    {item.assignee} mistyped the code for {item.ref}; the form said: {reason}")
        resume_flow_run(run.id, run_input=answer)
