"""A real scale-out cluster on loopback: a Prefect server on PostgreSQL, aimsflow on PostgreSQL, workers.

The Prefect server and aimsflow each get a PostgreSQL database of their own, created for the test
from AIMSFLOW_TEST_DATABASE_URL and dropped afterwards. prefect.yaml's deployments are registered
with `prefect deploy --all` on the `aimsflow` process work pool (no image, no push: the workers run
the flows from this checkout), and `prefect worker start --pool aimsflow` runs as separate
processes, each leading its own process group so that the flow runs it spawned stop with it. The
test talks to them over HTTP, through `aimsflow` and `prefect` commands, and with SQL on the two
databases: it never configures a Prefect client in its own process.
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.browser.stack import (
    BIN,
    SERVER_READY_SECONDS,
    Service,
    Stack,
    base_env,
    free_port,
    wait_until,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_ENV = "AIMSFLOW_TEST_DATABASE_URL"
POOL = "aimsflow"  # prefect.yaml's work pool
WORKER_LIMIT = int(os.environ.get("AIMSFLOW_TEST_WORKER_LIMIT", "4"))  # runs at once per worker (2 cores here)
DEPLOY_SECONDS = 180


def postgres_base_url() -> str:
    """The PostgreSQL server the tests may use; without one these tests skip (the `postgres` marker)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} not set: the scale-out cluster needs PostgreSQL")
    if make_url(base).get_backend_name() != "postgresql":
        raise pytest.UsageError(f"{PG_ENV} must be a postgresql:// URL, not {base!r}")
    return base


@contextlib.contextmanager
def fresh_database(base_url: str, prefix: str) -> Iterator[str]:
    """CREATE DATABASE <prefix>_<random> on the server of `base_url`; its URL; dropped (forcibly) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def asyncpg_url(url: str) -> str:
    """The same database as a `postgresql+asyncpg://` URL (the Prefect server's driver)."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


@dataclass
class Cluster(Stack):
    """The Prefect server on PostgreSQL, two workers on the `aimsflow` pool, and aimsflow's database."""

    workers: list[Service] = field(default_factory=list)
    second_api: str | None = None  # the workers' API process, when there are two

    def prefect(self, *args: str, cwd: Path | None = None, timeout: float = DEPLOY_SECONDS) -> str:
        """Run `prefect ARGS` as a client of this cluster; it must succeed."""
        import subprocess

        env = {**self.client_env, "PWD": str(cwd or self.root)}  # prefect.yaml's pull step reads $PWD
        try:
            proc = subprocess.run([str(BIN / "prefect"), "--no-prompt", *args], env=env, cwd=cwd or self.root,
                                  capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`prefect {' '.join(args)}` took more than {timeout:.0f} s\n{self.logs()}", pytrace=False)
        if proc.returncode != 0:
            pytest.fail(f"`prefect {' '.join(args)}` failed with status {proc.returncode}\n--- stdout ---\n"
                        f"{proc.stdout}--- stderr ---\n{proc.stderr}", pytrace=False)
        return proc.stdout

    def deployment_id(self, name: str) -> str:
        found = self.api("GET", f"/deployments/name/{name}/{name}")
        assert found is not None, f"no deployment {name}/{name}"
        return str(found["id"])

    def create_run(self, deployment: str, parameters: dict[str, Any]) -> str:
        """A run of a deployment, as `prefect deployment run` or the UI's Run button creates it."""
        run = self.api("POST", f"/deployments/{self.deployment_id(deployment)}/create_flow_run",
                       {"parameters": parameters})
        return str(run["id"])

    def runs_of(self, deployment: str) -> list[dict[str, Any]]:
        """Every flow run of one deployment (paged)."""
        out: list[dict[str, Any]] = []
        body: dict[str, Any] = {"deployments": {"id": {"any_": [self.deployment_id(deployment)]}}, "limit": 200}
        while True:
            page = list(self.api("POST", "/flow_runs/filter", {**body, "offset": len(out)}))
            out += page
            if len(page) < 200:
                return out

    def wait_for_runs(self, run_ids: list[str], *, final: set[str], timeout: float, what: str) -> dict[str, Any]:
        """Poll until every run is in one of the `final` state types; fail at once when one fails or crashes."""
        def states() -> dict[str, Any] | None:
            for service in self.services:
                service.check_alive()
            seen = {r["id"]: r for r in self.api("POST", "/flow_runs/filter",
                                                 {"flow_runs": {"id": {"any_": run_ids}}, "limit": 200})}
            bad = {i: r["state"] for i, r in seen.items()
                   if r["state"] and r["state"]["type"] in {"FAILED", "CRASHED", "CANCELLED"}}
            if bad:
                pytest.fail(f"{what}: runs ended badly: {bad}\n{self.logs()}", pytrace=False)
            done = len(seen) == len(run_ids) and all(r["state"] and r["state"]["type"] in final
                                                     for r in seen.values())
            return seen if done else None

        result: dict[str, Any] = wait_until(states, timeout=timeout, what=what, every=1.0, explain=self.logs)
        return result


REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def redis_settings(db: int) -> dict[str, str]:
    """What every Prefect API process needs when there is more than one (README, "Several machines")."""
    return {
        "PREFECT_MESSAGING_BROKER": "prefect_redis.messaging",
        "PREFECT_MESSAGING_CACHE": "prefect_redis.messaging",
        "PREFECT_SERVER_EVENTS_CAUSAL_ORDERING": "prefect_redis.ordering",
        "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": "prefect_redis.lease_storage",
        "PREFECT_REDIS_MESSAGING_HOST": REDIS_HOST,
        "PREFECT_REDIS_MESSAGING_PORT": str(REDIS_PORT),
        "PREFECT_REDIS_MESSAGING_DB": str(db),
        "PREFECT_SERVER_DOCKET_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}",
    }


@contextlib.contextmanager
def empty_redis_database() -> Iterator[int]:
    """A Redis database number no one uses (others share this Redis server); its keys deleted afterwards."""
    import redis

    probe = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=5)
    try:
        probe.ping()
    except redis.RedisError as exc:
        pytest.fail(f"no Redis at {REDIS_HOST}:{REDIS_PORT} for the two-API-process cluster: {exc}", pytrace=False)
    finally:
        probe.close()
    for db in range(15, 0, -1):
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
        try:
            if client.dbsize() == 0:
                client.set("aimsflow-test-claim", "scaleout", ex=3600)  # claimed, so that no one else takes it
                try:
                    yield db
                finally:
                    for key in client.scan_iter(count=1000):
                        client.delete(key)
                return
        finally:
            client.close()
    pytest.fail("every Redis database 1-15 holds keys: none is free for the test", pytrace=False)


@contextlib.contextmanager
def running_cluster(root: Path, *, workers: int = 2, redis_db: int | None = None) -> Iterator[Cluster]:
    """The Prefect server on a fresh PostgreSQL database, aimsflow on another, prefect.yaml deployed, workers up.

    With `redis_db` there are two API processes sharing the database through Redis: the first with
    Prefect's services (scheduler, task-run recorder, event persister...), the second started with
    `--no-services`. The test's clients use the first; the workers use the second only.
    """
    base = postgres_base_url()
    with fresh_database(base, "prefect_scale") as prefect_db, fresh_database(base, "aimsflow_scale") as app_db:
        port = free_port()
        server_env = {
            **base_env(),
            "PREFECT_HOME": str(root / "prefect-server-home"),
            "PREFECT_API_DATABASE_CONNECTION_URL": asyncpg_url(prefect_db),
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(port),
            # prefect.yaml's schedules must not start sweeps in the middle of the test.
            "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            **(redis_settings(redis_db) if redis_db is not None else {}),
        }
        client_env = {
            **base_env(),
            "PREFECT_HOME": str(root / "prefect-client-home"),
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_WORKER_QUERY_SECONDS": "1",  # a worker looks for runs every second (default 10)
            "AIMSFLOW_DATABASE_URL": app_db,
            "AIMSFLOW_MAILBOX": str(root / "mailbox.mbox"),
            "AIMSFLOW_EVIDENCE_DIR": str(root / "evidence"),
        }
        cluster = Cluster(root, port, client_env)
        server = Service("prefect server", [str(BIN / "prefect"), "server", "start"], server_env, root,
                         root / "prefect-server.log")
        cluster.services.append(server)
        try:
            server.start()

            def server_up() -> bool:
                server.check_alive()
                return cluster.healthy()

            wait_until(server_up, timeout=SERVER_READY_SECONDS, what=f"the Prefect server on {cluster.base_url}",
                       explain=server.tail)
            worker_env = client_env
            if redis_db is not None:
                api_port = free_port()
                api_env = {**server_env, "PREFECT_SERVER_API_PORT": str(api_port),
                           "PREFECT_HOME": str(root / "prefect-api-2-home"),
                           "PREFECT_API_DATABASE_MIGRATE_ON_START": "false"}  # the first process migrated
                api = Service("prefect server --no-services",
                              [str(BIN / "prefect"), "server", "start", "--no-services"], api_env, root,
                              root / "prefect-api-2.log")
                cluster.services.append(api)
                api.start()
                cluster.second_api = f"http://127.0.0.1:{api_port}/api"

                def api_up() -> bool:
                    api.check_alive()
                    try:
                        with urllib.request.urlopen(f"{cluster.second_api}/health", timeout=5) as response:
                            return json.loads(response.read()) is True
                    except (OSError, ValueError):
                        return False

                wait_until(api_up, timeout=SERVER_READY_SECONDS, what="the second API process", explain=api.tail)
                worker_env = {**client_env, "PREFECT_API_URL": cluster.second_api}
            cluster.aimsflow("init")
            cluster.prefect("work-pool", "create", POOL, "--type", "process")
            cluster.prefect("deploy", "--all", cwd=REPO_ROOT)
            for n in range(workers):
                name = f"worker-{chr(ord('a') + n)}"
                worker = Service(name, [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--name", name,
                                        "--limit", str(WORKER_LIMIT)], worker_env, root, root / f"{name}.log")
                worker.start()
                cluster.workers.append(worker)
                cluster.services.append(worker)

            def workers_online() -> bool:
                for w in cluster.workers:
                    w.check_alive()
                online = cluster.api("POST", f"/work_pools/{POOL}/workers/filter", {}) or []
                return len({w["name"] for w in online} & {w.name for w in cluster.workers}) == workers

            wait_until(workers_online, timeout=SERVER_READY_SECONDS, what=f"{workers} workers polling the pool",
                       explain=cluster.logs)
            yield cluster
        finally:
            for service in reversed(cluster.services):  # workers first: their runs need the server to end
                service.stop()
