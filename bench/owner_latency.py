"""Benchmark: from an owner's Submit (`resume_flow_run`) to the work item done in the database.

Starts what "Running it for real" in the README starts, in a temporary folder on loopback: a
`prefect server start` (SQLite) on a free port and `aimsflow serve --limit 4` (aimsflow on a
SQLite file, notices to an mbox). It builds programs in gap analysis through the `aimsflow`
command (a program manager, one owner, top management; the 27 clause assessments of each go to the
owner), starts their phases as runs of the start-phase deployment, and waits until the owner run
of each clause item is suspended with its form stored. Then, one owner at a time (or `--parallel`
at once), it resumes a run with what the owner types (the completion code from their notice in
the mbox, an assessment, a note) and polls the database until that item is no longer active. The
latency of one completion is the time from the `resume_flow_run` call to that moment: the runner
noticing the resumed run, a new process for it, the flow rerunning from the top and the completion
committed. It prints one JSON line.

    python bench/owner_latency.py [--completions 50] [--parallel 1] [--limit 4]

Target (issue 5): p95 under 5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
CLAUSES_PER_PROGRAM = 27
ACTIVE = ("open", "in_progress", "rejected", "overdue", "escalated")  # states/work_item.py


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running child leading its own process group (its flow-run processes stop with it)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        yield proc
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            try:
                proc.wait(15)
                break
            except subprocess.TimeoutExpired:
                continue


def aimsflow(env: dict[str, str], cwd: Path, *args: str) -> str:
    proc = subprocess.run([str(BIN / "aimsflow"), *args], env=env, cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=300)
    if proc.returncode != 0:
        raise SystemExit(f"aimsflow {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5) as response:
            return bool(json.loads(response.read()))
    except (OSError, ValueError):
        return False


def clause_items(db: Path) -> list[tuple[int, str]]:
    """(item id, owner run id) of every clause assessment with its owner run recorded."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return list(conn.execute("SELECT id, owner_run_id FROM work_item WHERE kind = 'clause_assessment' "
                                 "AND owner_run_id IS NOT NULL ORDER BY id"))


def item_state(db: Path, item_id: int) -> str:
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        return str(conn.execute("SELECT state FROM work_item WHERE id = ?", (item_id,)).fetchone()[0])


def form_ready(client: Any, run_id: str) -> bool:
    """Suspended, and its form's schema stored (the run turns PAUSED a moment before)."""
    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

    run = client.read_flow_run(run_id)
    if run.state is None or run.state.type.value != "PAUSED":
        return False
    try:
        client.read_flow_run_input(run_id, "suspended-attempt-1-schema")
    except ObjectNotFound:
        return False
    except PrefectHTTPStatusError as exc:
        if exc.response.status_code == 404:
            return False
        raise
    return True


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--completions", type=int, default=50)
    parser.add_argument("--parallel", type=int, default=1, help="owners submitting at the same moment")
    parser.add_argument("--limit", type=int, default=4, help="aimsflow serve --limit")
    args = parser.parse_args()
    programs = math.ceil(args.completions / CLAUSES_PER_PROGRAM)
    with tempfile.TemporaryDirectory(prefix="aimsflow-bench-owner-") as tmp:
        root = Path(tmp)
        port = free_port()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AIMSFLOW_"))}
        server_env = {**base, "PREFECT_HOME": str(root / "server-home"), "PREFECT_SERVER_API_HOST": "127.0.0.1",
                      "PREFECT_SERVER_API_PORT": str(port), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                      "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
                      "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false"}
        # The client side gets no poll setting of its own: `aimsflow serve` uses what the product sets.
        client_env = {**base, "PREFECT_HOME": str(root / "client-home"), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
                      "AIMSFLOW_DATABASE_URL": f"sqlite:///{root / 'aimsflow.db'}",
                      "AIMSFLOW_MAILBOX": str(root / "mailbox.mbox"), "AIMSFLOW_EVIDENCE_DIR": str(root / "evidence")}
        os.environ.update({k: client_env[k] for k in ("PREFECT_HOME", "PREFECT_API_URL")})
        from prefect.client.orchestration import get_client
        from prefect.flow_runs import resume_flow_run

        from aimsflow.cli.prefect_demo import codes_from_mailbox
        from flows.in_process import wait_for

        started = time.monotonic()
        with process([str(BIN / "prefect"), "server", "start"], server_env, root, root / "server.log"):
            wait_for(lambda: healthy(port), "the Prefect server", timeout=180, every=0.5)
            aimsflow(client_env, root, "init")
            aimsflow(client_env, root, "clock", "set", "2027-01-04", "--no-checks")
            for n in range(programs):
                key = f"bench-{n + 1}"
                aimsflow(client_env, root, "program", "create", f"Bench {n + 1}", "--scope", "bench", "--start",
                         "2027-01-04", "--key", key)
                for name, role in (("Pat Manager", "program-manager"), ("Olu Owner", "owner"),
                                   ("Tess Board", "top-management")):
                    aimsflow(client_env, root, "people", "add", key, name, "--role", role, "--email",
                             f"{role}@{key}.example")
            with process([str(BIN / "aimsflow"), "serve", "--limit", str(args.limit)], client_env, root,
                         root / "serve.log"), get_client(sync_client=True) as client:
                def served() -> bool:
                    from prefect.exceptions import ObjectNotFound

                    try:
                        client.read_deployment_by_name("owner-task/owner-task")
                        client.read_deployment_by_name("start-phase/start-phase")
                    except ObjectNotFound:
                        return False
                    return True

                wait_for(served, "aimsflow serve's deployments", timeout=120, every=0.5)
                for n in range(programs):
                    aimsflow(client_env, root, "run", "start-phase", f"bench-{n + 1}", "--remote")
                db = root / "aimsflow.db"
                wanted = programs * CLAUSES_PER_PROGRAM
                wait_for(lambda: len(clause_items(db)) >= wanted, "the owner runs to be recorded", timeout=600,
                         every=0.5)
                items = clause_items(db)[: args.completions]
                wait_for(lambda: all(form_ready(client, run) for _, run in items),
                         f"{len(items)} owner runs waiting for their forms", timeout=1200, every=2)
                setup_seconds = time.monotonic() - started
                codes = codes_from_mailbox(root / "mailbox.mbox")

                def complete(item: tuple[int, str]) -> float:
                    item_id, run_id = item
                    answer = {"code": codes[f"WI-{item_id}"], "assessment": "partial",
                              "note": "documented in part; no owner for the review yet"}
                    t0 = time.perf_counter()
                    resume_flow_run(run_id, run_input=answer)
                    wait_for(lambda: item_state(db, item_id) not in ACTIVE, f"WI-{item_id} done", timeout=300,
                             every=0.05)
                    return time.perf_counter() - t0

                with ThreadPoolExecutor(max_workers=args.parallel) as pool:
                    latencies = list(pool.map(complete, items))
        print(json.dumps({
            "bench": "owner_latency", "n": len(latencies), "parallel": args.parallel, "serve_limit": args.limit,
            "p50": round(statistics.median(latencies), 2), "p95": round(percentile(latencies, 95), 2),
            "max": round(max(latencies), 2), "min": round(min(latencies), 2),
            "setup_seconds": round(setup_seconds, 1),
            "machine": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "load_average": [round(x, 1) for x in os.getloadavg()]}), flush=True)


if __name__ == "__main__":
    main()
