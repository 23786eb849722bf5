"""Flow tests: one Prefect test server for the whole session, a fresh aimsflow database per test.

The speed settings come from PREFECT_NOTES.md: the flow heartbeat is switched off through
`temporary_settings` (the environment variable cannot do it), and the server's task-run recorder
is switched off through the environment before the harness starts its server (on SQLite it
competes for writes and stalls flows that run tasks by about 2 s).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER_ENV = {
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
    # Nothing in these tests needs the scheduler or the late-runs service to run on the side.
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    """One `prefect_test_harness` for the session (8-9 s to start), with the heartbeat off."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    saved = {k: os.environ.get(k) for k in SERVER_ENV}
    os.environ.update(SERVER_ENV)
    try:
        with prefect_test_harness(server_startup_timeout=60), \
                temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new SQLite file with the tables and the catalog; flows in this process use it through the env."""
    from aimsflow.services import catalog
    from aimsflow.uow import unit_of_work
    from models.db import create_tables, engine_for

    for key in [k for k in os.environ if k.startswith("AIMSFLOW_")]:
        monkeypatch.delenv(key)
    url = f"sqlite:///{tmp_path / 'aimsflow.db'}"  # engine_for is cached per URL: a new file per test
    monkeypatch.setenv("AIMSFLOW_DATABASE_URL", url)
    monkeypatch.setenv("AIMSFLOW_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("AIMSFLOW_MAILBOX", str(tmp_path / "mailbox.mbox"))
    create_tables(engine_for(url))
    with unit_of_work() as uow:
        catalog.load_into(uow.session)
    yield url
    engine_for(url).dispose()
    engine_for.cache_clear()


@pytest.fixture
def program_key() -> str:
    """A program key of its own: the Prefect server (and its idempotency keys) is shared by the session."""
    return f"p{uuid.uuid4().hex[:10]}"


@pytest.fixture
def owner_deployment() -> Iterator[str]:
    """The owner-task deployment on the test server (as `aimsflow serve` registers it), removed afterwards."""
    from prefect.client.orchestration import get_client

    from flows.owner_task import owner_task

    deployment_id = owner_task.to_deployment(name="owner-task").apply()
    yield str(deployment_id)
    with get_client(sync_client=True) as client:
        client.delete_deployment(deployment_id)


@pytest.fixture
def review_deployment() -> Iterator[str]:
    """The review-task deployment on the test server (as `aimsflow serve` registers it), removed afterwards."""
    from prefect.client.orchestration import get_client

    from flows.review_task import review_task

    deployment_id = review_task.to_deployment(name="review-task").apply()
    yield str(deployment_id)
    with get_client(sync_client=True) as client:
        client.delete_deployment(deployment_id)


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[list]:
    """A real SMTP server on loopback (aiosmtpd); aimsflow delivers to it; the messages arrive in the list."""
    import socket
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this hook by name
            received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    with socket.socket() as probe:  # port=0 does not work with Controller.start(): pick a free port first
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("AIMSFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("AIMSFLOW_SMTP_PORT", str(port))
    yield received
    controller.stop()
