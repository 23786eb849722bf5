"""The demo on Prefect: simulated owners complete their owner-task runs through Prefect's resume API.

Each owner reads the code from their assignment notice in the demo's mailbox, waits for their run's
form, and resumes it with what a person would type; the first one mistypes the code once, and the
run waits again. Evidence is dropped into the evidence inbox (a folder of the demo's unless
AIMSFLOW_EVIDENCE_INBOX names one) and chosen in the form by its name, as an owner would. Runs are
named and tagged as deployed ones are, executed in this process (Prefect's local server, nothing
to start by hand), several at a time, and wait paused, as owner-task does outside a deployment.

What a run costs was measured (README, "Measured"): every Prefect call here and in the flows
shares one open client (a new client costs about 0.1 s of CPU for its SSL context), a waiting
form is found with one request, and a pool keeps `parallel` runs in flight.
"""

from __future__ import annotations

import contextvars
import mailbox
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aimsflow.demo import Demo, OpenItem

CODE = re.compile(r"completion code for this item: ([A-Z0-9]{4}-[A-Z0-9]{4})")
SUBJECT = re.compile(r"\] (WI-\d+) assigned to you")
POLL_SECONDS = 0.2  # how often a waiting run looks for its resume, and an owner for the form
REPORT_EVERY = 10


def codes_from_mailbox(path: Path) -> dict[str, str]:
    """The latest completion code each item's assignee received."""
    from aimsflow.notify import notices_in

    codes: dict[str, str] = {}
    box = mailbox.mbox(str(path))
    try:
        for message in box:
            for notice in notices_in(message):  # a digest carries several, each with its own code
                subject = SUBJECT.search(notice["subject"])
                code = CODE.search(notice["body"])
                if subject and code:
                    codes[subject.group(1)] = code.group(1)
    finally:
        box.close()
    return codes


def answer_for(item: OpenItem, code: str) -> dict[str, Any]:
    """What the item's owner types into its form."""
    answer: dict[str, Any] = {"code": code, "note": item.note}
    if item.assessment:
        answer["assessment"] = item.assessment
    if item.kind == "approval":
        answer["approve"] = True
    if item.evidence:
        answer["files"] = [Path(path).name for path in item.evidence]  # dropped into the evidence inbox first
    return answer


class PrefectOwners:
    """Owners who complete every item in its owner-task run's form, `parallel` runs at a time."""

    def __init__(self, mailbox_path: Path, echo: Callable[[str], None], parallel: int = 4) -> None:
        self.mailbox = mailbox_path
        self.echo = echo
        self.parallel = parallel
        self.runs = 0
        self.seconds = 0.0
        self.mistyped = False
        from aimsflow import evidence_inbox

        os.environ.setdefault(evidence_inbox.ENV, tempfile.mkdtemp(prefix="aimsflow-demo-inbox-"))
        self.inbox = evidence_inbox.inbox_root()
        self._lock = threading.Lock()

    def complete(self, demo: Demo, items: list[OpenItem]) -> None:
        from aimsflow.services import work
        from flows.deliver_notifications import deliver_notifications

        deliver_notifications()  # the assignment notices, each with its owner's one-time code
        codes = codes_from_mailbox(self.mailbox)
        with demo.uow() as uow:
            names = {item.ref: work.owner_run_name(uow, item.ref) for item in items}
        typo = None if self.mistyped or not items else items[0].ref  # one owner mistypes their code, once
        self.mistyped = self.mistyped or typo is not None
        began = time.perf_counter()
        done = 0
        with ThreadPoolExecutor(self.parallel, thread_name_prefix="owner") as pool:
            # Each job runs in a copy of this context: Prefect's settings (heartbeat off) and the shared
            # client live in context variables, which a pool's threads do not inherit.
            futures = [pool.submit(contextvars.copy_context().run, self._complete_one, item, codes[item.ref],
                                   names[item.ref], item.ref == typo) for item in items]
            for future in futures:
                future.result()
                done += 1
                if done % REPORT_EVERY == 0 or done == len(items):
                    with self._lock:
                        seconds = self.seconds + time.perf_counter() - began
                        self.echo(f"    {self.runs + done} owner-task runs completed in their Prefect forms "
                                  f"({seconds / (self.runs + done):.2f} s a run)")
        self.runs += len(items)
        self.seconds += time.perf_counter() - began

    def _complete_one(self, item: OpenItem, code: str, name: tuple[str, list[str]], typo: bool) -> None:
        from flows.in_process import InProcessOwnerTask

        for path in item.evidence:  # in the inbox before the run's form lists it
            assert self.inbox is not None
            shutil.copyfile(path, self.inbox / Path(path).name)
        run = InProcessOwnerTask(item.ref, name=name[0], tags=name[1], poll_seconds=POLL_SECONDS)
        answer = answer_for(item, code)
        run.form(1)
        if typo:
            # What a person might do once: a typo in the code. The run waits again and says why.
            run.resume(**{**answer, "code": "ABCD-EFGH"})
            reason = run.form(2).splitlines()[0]
            with self._lock:
                self.echo(f"    {item.assignee} mistyped the code for {item.ref}; the form said: {reason}")
        run.resume(**answer)
        run.result()
