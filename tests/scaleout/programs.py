"""Programs for the cluster, built through the `aimsflow` command (its `main()` in this process: quick)."""

from __future__ import annotations

import os

from tests.conftest import InProcessCli
from tests.scaleout.cluster import Cluster

START = "2027-01-04"


def key_of(n: int) -> str:
    return f"client-{n:02d}"


def build_programs(cluster: Cluster, count: int, staffed: list[int]) -> None:
    """`count` programs in gap analysis on the simulated START date; those in `staffed` get a program manager."""
    names = ("AIMSFLOW_DATABASE_URL", "AIMSFLOW_EVIDENCE_DIR", "AIMSFLOW_MAILBOX")
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update({k: cluster.client_env[k] for k in names})
    try:
        run = InProcessCli(cluster.client_env, cluster.root)
        steps: list[tuple[str, ...]] = [("clock", "set", START, "--no-checks")]
        steps += [("program", "create", f"Client {n:02d}", "--scope", "underwriting AI", "--start", START,
                   "--timezone", "Asia/Singapore", "--country", "SG", "--key", key_of(n)) for n in range(1, count + 1)]
        steps += [("people", "add", key_of(n), f"Pat Manager {n:02d}", "--role", "program-manager",
                   "--email", f"pm@client-{n:02d}.example") for n in staffed]
        for args in steps:
            result = run(*args)
            assert result.returncode == 0, str(result)
    finally:
        from models.db import engine_for

        engine_for(cluster.client_env["AIMSFLOW_DATABASE_URL"]).dispose()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
