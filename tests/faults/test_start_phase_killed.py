"""start-phase killed with SIGKILL halfway, twice, then run again: nothing twice, nothing lost.

A real `prefect server start` (SQLite, loopback) holds the owner-task deployment of prefect.yaml
on the `aimsflow` process pool, with no worker: the owner runs start-phase creates stay scheduled
and cost no process. A program in gap analysis has all 30 of its items assigned (a program
manager, an owner, top management). `aimsflow run start-phase` runs the flow in a subprocess
of its own, which the test kills with SIGKILL at two points, found by watching, never by a hook in
the product:

1. while it creates the owner-task runs: as soon as the Prefect database shows one of the
   program's owner runs, the process is stopped (SIGSTOP, so it cannot run on while the test
   looks), the count is checked to be some but not all, and the process is killed;
2. while it delivers the assignment notices over SMTP (one digest per person): the test's SMTP
   server holds its reply to the second message until the sender has been killed, so that
   person's notices were received but their sender never heard so and never recorded them as sent.

A third run completes. Then every item exists once with one owner run, recorded on the item;
every assignment notice is in the outbox once and sent; every notice reached the SMTP server, and
only those of the message in flight at the kill arrived twice (SMTP cannot tell a message whose acknowledgement
was lost from one never sent: delivery is at least once). Their first codes are dead and the code
in each item's latest message is the one that works. The trail verifies.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from aimsflow import completion_codes
from aimsflow.notify import notices_in
from tests.browser.stack import BIN, SERVER_READY_SECONDS, Service, base_env, free_port, wait_until
from tests.scaleout.cluster import POOL, REPO_ROOT, Cluster
from tests.scaleout.records import CODE, duplicates, rows

ITEMS = 30  # gap analysis: the inventory, 27 clauses, the roadmap and its approval
HOLD_AT = 2  # the SMTP server holds its reply to this message (a person's digest) until the sender is killed
RUN_SECONDS = 180


class HoldingSmtp:
    """An SMTP server that keeps every message and, once, holds its reply to the HOLD_AT-th one."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.holding = threading.Event()  # set when the held message has arrived
        self.release = threading.Event()  # set by the test after the kill
        self.armed = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by name
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        if self.armed and len(self.received) == HOLD_AT:
            self.armed = False
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 OK"


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A Prefect server on SQLite with the owner-task deployment on a process pool that no worker serves."""
    root = tmp_path_factory.mktemp("killed-start-phase")
    port = free_port()
    server_env = {**base_env(), "PREFECT_HOME": str(root / "prefect-server-home"),
                  "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port),
                  "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
                  "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
                  "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
                  "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    client_env = {**base_env(), "PREFECT_HOME": str(root / "prefect-client-home"),
                  "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
    cluster = Cluster(root, port, client_env)
    server = Service("prefect server", [str(BIN / "prefect"), "server", "start"], server_env, root,
                     root / "prefect-server.log")
    cluster.services.append(server)
    try:
        server.start()
        wait_until(lambda: server.check_alive() or cluster.healthy(), timeout=SERVER_READY_SECONDS,
                   what=f"the Prefect server on {cluster.base_url}", explain=server.tail)
        cluster.prefect("work-pool", "create", POOL, "--type", "process")
        cluster.prefect("deploy", "--name", "owner-task", cwd=REPO_ROOT)
        yield cluster
    finally:
        server.stop()


@pytest.fixture
def smtp() -> Iterator[tuple[HoldingSmtp, int]]:
    handler = HoldingSmtp()
    with socket.socket() as probe:  # Controller.start() cannot take port 0: pick a free port first
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    handler.release.set()
    controller.stop()


def owner_runs(prefect: Cluster, program: str) -> list[dict[str, Any]]:
    return [r for r in prefect.runs_of("owner-task") if f"program:{program}" in r["tags"]]


@contextlib.contextmanager
def start_phase_process(env: dict[str, str], cwd: Path, program: str) -> Iterator[subprocess.Popen[bytes]]:
    """`aimsflow run start-phase PROGRAM` in a process group of its own; killed on the way out."""
    log = cwd / f"start-phase-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN / "aimsflow"), "run", "start-phase", program], env=env, cwd=cwd,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)


def kill(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    assert proc.wait(30) == -signal.SIGKILL


def test_start_phase_killed_while_starting_owner_runs_and_while_mailing_then_rerun_leaves_everything_exactly_once(
        prefect_server: Cluster, smtp: tuple[HoldingSmtp, int], run: Any, cli_env: dict[str, str],
        tmp_path: Path) -> None:
    handler, smtp_port = smtp
    program = f"killed-{uuid.uuid4().hex[:6]}"  # the Prefect server is shared: its owner runs carry this key
    for args in [("clock", "set", "2027-01-04", "--no-checks"),
                 ("program", "create", "Killed Halfway Ltd", "--scope", "claims AI", "--start", "2027-01-04",
                  "--key", program),
                 ("people", "add", program, "Pat Manager", "--role", "program-manager", "--email", "pat@k.example"),
                 ("people", "add", program, "Olu Owner", "--role", "owner", "--email", "olu@k.example"),
                 ("people", "add", program, "Tess Board", "--role", "top-management", "--email", "tess@k.example")]:
        run.ok(*args)
    url = cli_env["AIMSFLOW_DATABASE_URL"]
    items = rows(url, "SELECT id, key, assignee_id FROM work_item")
    assert len(items) == ITEMS and all(i["assignee_id"] for i in items)
    env = {**{k: v for k, v in cli_env.items() if not k.startswith("PREFECT_")}, **prefect_server.client_env,
           "AIMSFLOW_SMTP_HOST": "127.0.0.1", "AIMSFLOW_SMTP_PORT": str(smtp_port)}

    # 1. Killed while it creates the owner runs.
    with start_phase_process(env, tmp_path, program) as proc:
        def some_owner_run() -> list[dict[str, Any]] | None:
            if proc.poll() is not None:
                pytest.fail(f"start-phase ended (status {proc.returncode}) before it was killed", pytrace=False)
            found = owner_runs(prefect_server, program)
            if found:
                os.killpg(proc.pid, signal.SIGSTOP)  # frozen where it stands while the test looks
                return owner_runs(prefect_server, program)
            return None

        seen = wait_until(some_owner_run, timeout=RUN_SECONDS, every=0.05, what="the first owner run")
        assert 0 < len(seen) < ITEMS, f"{len(seen)} owner runs: the kill did not land halfway"
        kill(proc)
    assert rows(url, "SELECT count(*) AS n FROM work_item WHERE owner_run_id IS NOT NULL")[0]["n"] == 0
    assert handler.received == []

    # 2. Killed while it mails the assignment notices: the HOLD_AT-th message is received, never acknowledged.
    handler.armed = True
    with start_phase_process(env, tmp_path, program) as proc:
        wait_until(lambda: handler.holding.is_set() or proc.poll() is not None, timeout=RUN_SECONDS,
                   what=f"message {HOLD_AT} (a digest) to reach the SMTP server")
        assert handler.holding.is_set(), f"start-phase ended (status {proc.returncode}) before it was killed"
        kill(proc)
    handler.release.set()
    sent_before = rows(url, "SELECT count(*) AS n FROM notification WHERE sent_at IS NOT NULL")[0]["n"]
    assert sent_before == sum(len(notices_in(m)) for m in handler.received[:HOLD_AT - 1])

    # 3. Run again, to the end.
    with start_phase_process(env, tmp_path, program) as proc:
        status = proc.wait(RUN_SECONDS)
    assert status == 0, "the third start-phase failed:\n" + "\n".join(
        p.read_text(errors="replace") for p in sorted(tmp_path.glob("start-phase-*.log")))

    # Each item once, each with one owner run (the runs of the killed attempts were the same runs), recorded.
    items = rows(url, "SELECT id, key, owner_run_id, completion_code_hash FROM work_item")
    assert len(items) == ITEMS and duplicates([i["key"] for i in items]) == {}
    runs = owner_runs(prefect_server, program)
    assert duplicates([r["parameters"]["item"] for r in runs]) == {}
    assert sorted(r["parameters"]["item"] for r in runs) == sorted(f"WI-{i['id']}" for i in items)
    assert {r["id"] for r in runs} == {i["owner_run_id"] for i in items}
    assert all(r["state"]["type"] == "SCHEDULED" for r in runs), {r["state"]["type"] for r in runs}

    # Each assignment notice once in the outbox, sent; each reached the server, only the held message's twice.
    notices = rows(url, "SELECT dedup_key, work_item_id, sent_at FROM notification WHERE kind = 'assignment'")
    assert sorted(n["work_item_id"] for n in notices) == sorted(i["id"] for i in items)
    assert all(n["sent_at"] is not None for n in notices)
    keys = [n["notice"] for m in handler.received for n in notices_in(m)]
    held = {n["notice"]: CODE.search(n["body"]) for n in notices_in(handler.received[HOLD_AT - 1])}
    assert duplicates(keys) == dict.fromkeys(held, 2)
    assert sorted(set(keys)) == sorted(f"{program}/{n['dedup_key']}" for n in notices)

    # The code in each item's latest message works; the held message's first code does not.
    latest: dict[str, str] = {}
    for message in handler.received:
        for notice in notices_in(message):
            found = CODE.search(notice["body"])
            assert found, notice["body"]
            latest[notice["notice"]] = found.group(1)
    by_key = {f"{program}/{n['dedup_key']}": n["work_item_id"] for n in notices}
    hashes = {i["id"]: i["completion_code_hash"] for i in items}
    assert all(completion_codes.matches(code, hashes[by_key[k]]) for k, code in latest.items())
    assert all(first and not completion_codes.matches(first.group(1), hashes[by_key[key]])
               for key, first in held.items())

    assert run.json("trail", "verify")["problems"] == []
