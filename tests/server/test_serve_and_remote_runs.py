"""`aimsflow serve` and `aimsflow run --remote` against a real `prefect server start` process.

A server that requires an auth string answers 401 to a client without it (or with a wrong one):
the command says so in one line and names the setting, instead of "internal error". And serve
stops on SIGTERM even when the server went away first (Prefect's runner would retry its
shutdown calls against the missing server for minutes). Each server is a subprocess with its
own PREFECT_HOME; the test process never imports a Prefect client.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.stack import BIN, SERVER_READY_SECONDS, Service, base_env, free_port, wait_until

AUTH = "admin:a-long-random-secret"
EXIT_SECONDS = 30  # a liveness bound on serve's exit after SIGTERM, not a speed figure
SERVICE_ERROR = 6  # aimsflow.errors.ServiceError.exit_code


def start_server(root: Path, *, auth: str | None) -> tuple[Service, str]:
    """`prefect server start` on a free loopback port with its own home; its API URL once it answers."""
    port = free_port()
    env = {**base_env(), "PREFECT_HOME": str(root / "server-home"), "PREFECT_SERVER_API_HOST": "127.0.0.1",
           "PREFECT_SERVER_API_PORT": str(port), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false", "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false"}
    if auth:
        env["PREFECT_SERVER_API_AUTH_STRING"] = auth
    server = Service("prefect server", [str(BIN / "prefect"), "server", "start"], env, root, root / "server.log")
    server.start()
    url = f"http://127.0.0.1:{port}/api"

    def up() -> bool:
        server.check_alive()
        return answers(url)

    wait_until(up, timeout=SERVER_READY_SECONDS, what=f"the Prefect server on {url}", explain=server.tail)
    return server, url


def answers(url: str) -> bool:
    """Whether the server's API answers (401 included: it requires the auth string)."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5):
            return True
    except urllib.error.HTTPError as exc:
        return exc.code == 401
    except OSError:
        return False


def client_env(root: Path, url: str, auth: str | None = None) -> dict[str, str]:
    env = {**base_env(), "PREFECT_HOME": str(root / "client-home"), "PREFECT_API_URL": url,
           "AIMSFLOW_DATABASE_URL": f"sqlite:///{root / 'aimsflow.db'}", "AIMSFLOW_MAILBOX": str(root / "mail.mbox")}
    if auth is not None:
        env["PREFECT_API_AUTH_STRING"] = auth
    return env


def aimsflow(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "aimsflow"), *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=180, check=False)


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A real Prefect server that requires the auth string AUTH."""
    root = tmp_path_factory.mktemp("auth-server")
    server, url = start_server(root, auth=AUTH)
    try:
        assert aimsflow(client_env(root, url), root, "init").returncode == 0  # only init creates the database
        yield root, url
    finally:
        server.stop()


def test_a_remote_run_without_the_auth_string_says_the_server_requires_one_and_names_the_setting(
        auth_server: tuple[Path, str]) -> None:
    root, url = auth_server
    done = aimsflow(client_env(root, url), root, "run", "deliver", "--remote")
    assert done.returncode == SERVICE_ERROR, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: the Prefect server at {url} requires an auth string and none is set")
    assert "PREFECT_API_AUTH_STRING" in lines[0] and "PREFECT_SERVER_API_AUTH_STRING" in lines[0]
    assert "internal error" not in done.stderr


def test_a_remote_run_with_a_wrong_auth_string_says_it_was_refused(auth_server: tuple[Path, str]) -> None:
    root, url = auth_server
    done = aimsflow(client_env(root, url, auth="admin:wrong"), root, "run", "deliver", "--remote")
    assert done.returncode == SERVICE_ERROR, done.stderr
    assert done.stderr.strip() == (
        f"error: the Prefect server at {url} refused the auth string in PREFECT_API_AUTH_STRING (401 Unauthorized): "
        "set PREFECT_API_AUTH_STRING to the server's PREFECT_SERVER_API_AUTH_STRING ('user:password')")


def test_serve_without_the_auth_string_stops_with_the_same_one_line_error(auth_server: tuple[Path, str]) -> None:
    root, url = auth_server
    done = aimsflow(client_env(root, url), root, "serve")
    assert done.returncode == SERVICE_ERROR, done.stderr
    assert "requires an auth string and none is set" in done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr


def test_a_remote_run_with_the_right_auth_string_reaches_the_server(auth_server: tuple[Path, str]) -> None:
    root, url = auth_server
    done = aimsflow(client_env(root, url, auth=AUTH), root, "run", "deliver", "--remote")
    # Nothing serves here, so the deployment is unknown: the server answered, the auth string was accepted.
    assert done.returncode == 3, done.stderr
    assert "no deployment deliver-notifications/deliver-notifications" in done.stderr


def test_serve_exits_on_sigterm_after_the_prefect_server_went_away(tmp_path: Path) -> None:
    server, url = start_server(tmp_path, auth=None)
    assert aimsflow(client_env(tmp_path, url), tmp_path, "init").returncode == 0  # only init creates the database
    serve = Service("aimsflow serve", [str(BIN / "aimsflow"), "serve"], client_env(tmp_path, url), tmp_path,
                    tmp_path / "serve.log")
    try:
        serve.start()

        def polling() -> bool:  # the runner polls for runs (and handles SIGTERM) once a deployment is READY
            serve.check_alive()
            try:
                with urllib.request.urlopen(f"{url}/deployments/name/owner-task/owner-task", timeout=5) as response:
                    return bool(json.loads(response.read()).get("status") == "READY")
            except urllib.error.HTTPError:
                return False

        wait_until(polling, timeout=120, what="`aimsflow serve` to poll for runs", explain=serve.tail)
        assert "at most 4 runs at once" in serve.log.read_text() or (os.cpu_count() or 1) > 2
        server.stop()  # the server goes away first (its uvicorn child may outlive the command a moment)
        wait_until(lambda: not answers(url), timeout=EXIT_SECONDS, what="the Prefect server to stop answering")
        assert serve.proc is not None
        serve.proc.send_signal(signal.SIGTERM)
        try:
            serve.proc.wait(EXIT_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`aimsflow serve` still runs {EXIT_SECONDS} s after SIGTERM\n{serve.tail()}", pytrace=False)
        assert "the Prefect API does not answer" in serve.log.read_text(errors="replace")
    finally:
        serve.stop()
        server.stop()
