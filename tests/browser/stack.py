"""A real Prefect server and `aimsflow serve` on loopback, for driving the Prefect UI in Chromium.

Both run as subprocesses in a folder of their own (Prefect's home and SQLite database, aimsflow's
SQLite database, the mailbox file, the logs), each leading its own process group so that the flow
runs `serve` spawned stop with it. The test process talks to them only over HTTP and through the
`aimsflow` command: it never imports a Prefect client, so no Prefect setting of this process can
leak into other tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("AIMSFLOW_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BIN = Path(sys.executable).parent  # the virtual environment's scripts: prefect, aimsflow
SERVER_READY_SECONDS = 120  # about 10 s on a quiet 2-core machine; far more when it is busy
SERVE_READY_SECONDS = 90
STOP_SECONDS = 15
SERVE_LIMIT = int(os.environ.get("AIMSFLOW_TEST_SERVE_LIMIT", "4"))


def wait_until(predicate: Callable[[], Any], *, timeout: float, what: str, every: float = 0.5,
               explain: Callable[[], str] = lambda: "") -> Any:
    """Poll until `predicate` returns something true; fail after `timeout` seconds, saying what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{explain()}", pytrace=False)
        time.sleep(every)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Service:
    """One long-running subprocess with its output in a log file."""

    name: str
    args: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as out:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(self.args, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return f"--- last lines of {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            pytest.fail(f"`{' '.join(self.args)}` exited (status {code})\n{self.tail()}", pytrace=False)

    def stop(self) -> None:
        """SIGTERM to the process group this service leads, then SIGKILL if it has not gone in time."""
        if self.proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(STOP_SECONDS)
                break
            except subprocess.TimeoutExpired:
                continue
        # Flow runs `serve` started may outlive their parent for a moment: end the rest of the group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)


@dataclass
class Stack:
    """The Prefect server, `aimsflow serve`, and the files they share, as one test sees them."""

    root: Path
    port: int
    client_env: dict[str, str]
    services: list[Service] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds since the stack began to start

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mailbox(self) -> Path:
        return Path(self.client_env["AIMSFLOW_MAILBOX"])

    @property
    def inbox(self) -> Path:
        return Path(self.client_env["AIMSFLOW_EVIDENCE_INBOX"])

    @property
    def database_url(self) -> str:
        return self.client_env["AIMSFLOW_DATABASE_URL"]

    def logs(self) -> str:
        return "\n".join(s.tail() for s in self.services)

    # --- the aimsflow command, as a program manager types it -------------------------------------

    def aimsflow(self, *args: str, timeout: float = 120) -> str:
        """Run `aimsflow ARGS` against this stack; it must succeed; return what it printed."""
        try:
            proc = subprocess.run([str(BIN / "aimsflow"), *args], env=self.client_env, cwd=self.root,
                                  capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`aimsflow {' '.join(args)}` took more than {timeout:.0f} s\n{self.logs()}", pytrace=False)
        if proc.returncode != 0:
            pytest.fail(f"`aimsflow {' '.join(args)}` failed with status {proc.returncode}\n--- stdout ---\n"
                        f"{proc.stdout}--- stderr ---\n{proc.stderr}", pytrace=False)
        return proc.stdout

    def aimsflow_json(self, *args: str) -> Any:
        return json.loads(self.aimsflow(*args, "--json"))

    # --- Prefect's REST API -------------------------------------------------------------------------

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One call to the server's API; None on 404."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base_url}/api{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise
        return json.loads(raw) if raw else None

    def healthy(self) -> bool:
        try:
            return self.api("GET", "/health") is True
        except (OSError, ValueError):
            return False

    def flow_run(self, run_id: str) -> dict[str, Any]:
        run = self.api("GET", f"/flow_runs/{run_id}")
        assert run is not None, f"no flow run {run_id} on the server"
        return dict(run)

    def flow_runs(self, *, tags: list[str], state_types: list[str] | None = None) -> list[dict[str, Any]]:
        """Flow runs carrying every tag (as an owner filters them in the UI), optionally in these states."""
        runs: dict[str, Any] = {"tags": {"all_": tags}}
        if state_types:
            runs["state"] = {"type": {"any_": state_types}}
        return list(self.api("POST", "/flow_runs/filter", {"flow_runs": runs, "limit": 200}))

    def run_input(self, run_id: str, key: str) -> str | None:
        """A stored flow-run input (the form's schema, description...) as JSON text, or None."""
        request = urllib.request.Request(f"{self.base_url}/api/flow_runs/{run_id}/input/{key}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return str(response.read().decode())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise

    def check(self, run_id: str | None = None) -> None:
        """Fail at once, not at a deadline, when a service died or the run ended without completing."""
        for service in self.services:
            service.check_alive()
        if run_id is not None:
            state = self.flow_run(run_id).get("state") or {}
            if state.get("type") in ("FAILED", "CRASHED", "CANCELLED"):
                pytest.fail(f"flow run {run_id} ended {self.state_of(run_id)}\n{self.logs()}", pytrace=False)

    def state_of(self, run_id: str) -> str:
        state = self.flow_run(run_id).get("state") or {}
        return f"{state.get('type')}/{state.get('name')}: {state.get('message') or ''}"


def base_env() -> dict[str, str]:
    """This process's environment without any Prefect or aimsflow setting (the stack sets its own)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AIMSFLOW_"))}


@contextlib.contextmanager
def running_stack(root: Path) -> Iterator[Stack]:
    """`prefect server start` and `aimsflow serve` on 127.0.0.1 with their files in `root`; stopped on exit."""
    for tool in ("prefect", "aimsflow"):
        if not (BIN / tool).exists():
            pytest.fail(f"no `{tool}` script beside {sys.executable}: install the project (pip install -e '.[dev]')",
                        pytrace=False)
    port = free_port()
    server_env = {
        **base_env(),
        "PREFECT_HOME": str(root / "prefect-server-home"),  # its SQLite database lives here
        # The UI finds its API from these settings (`--port` alone would leave it calling 4200).
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        # On SQLite the task-run recorder competes for writes and stalls flows (PREFECT_NOTES.md).
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
        # No scheduled sweep may run in the middle of the test.
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    }
    client_env = {
        **base_env(),
        "PREFECT_HOME": str(root / "prefect-client-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # a resumed run is picked up again within a second or two
        "AIMSFLOW_DATABASE_URL": f"sqlite:///{root / 'aimsflow.db'}",
        "AIMSFLOW_MAILBOX": str(root / "mailbox.mbox"),
        "AIMSFLOW_EVIDENCE_DIR": str(root / "evidence"),
        "AIMSFLOW_EVIDENCE_INBOX": str(root / "inbox"),  # files dropped here are offered in the owner's form
        "PREFECT_UI_URL": f"http://127.0.0.1:{port}",  # the mails link to each item's run
    }
    (root / "inbox").mkdir()
    stack = Stack(root, port, client_env)
    server = Service("prefect server", [str(BIN / "prefect"), "server", "start"], server_env, root,
                     root / "prefect-server.log")
    # At most SERVE_LIMIT runs at once: 30 owner runs starting together on 2 cores thrash, and
    # the server's SQLite then answers slowly ("database is locked" retries).
    serve = Service("aimsflow serve", [str(BIN / "aimsflow"), "serve", "--limit", str(SERVE_LIMIT)], client_env, root,
                    root / "aimsflow-serve.log")
    stack.services += [server, serve]
    started = time.monotonic()
    try:
        server.start()

        def server_up() -> bool:
            server.check_alive()
            return stack.healthy()

        wait_until(server_up, timeout=SERVER_READY_SECONDS, what=f"the Prefect server on {stack.base_url}",
                   explain=server.tail)
        stack.timings["server ready"] = time.monotonic() - started
        stack.aimsflow("init")  # serve refuses to start on a database without tables
        serve.start()

        def deployments_served() -> bool:
            serve.check_alive()
            return all(stack.api("GET", f"/deployments/name/{name}/{name}") for name in ("start-phase", "owner-task"))

        wait_until(deployments_served, timeout=SERVE_READY_SECONDS, what="`aimsflow serve` to register its deployments",
                   explain=stack.logs)
        stack.timings["serve ready"] = time.monotonic() - started
        yield stack
    finally:
        serve.stop()  # first: a runner whose server went away first hangs in its retries
        server.stop()
