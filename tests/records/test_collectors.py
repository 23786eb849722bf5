"""Evidence collection against a real HTTP server on loopback, a command and a folder."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from aimsflow.collect import fetch
from aimsflow.errors import AimsflowError, InvalidInput
from aimsflow.services import collectors
from aimsflow.services.lookup import get_program
from aimsflow.services.work import list_work
from tests.records.conftest import Sample

BODY = {"/model-card": b"model card: fraud-scoring v7\n"}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = BODY.get(self.path)
        self.send_response(200 if body else 503)
        self.end_headers()
        self.wfile.write(body or b"down")

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def declare(sample: Sample, tmp_path: Path, server: str) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    (folder / "retention.txt").write_text("event logs kept 90 days\n")
    spec = tmp_path / "collectors.yaml"
    spec.write_text(f"""
- name: model-card
  control: A.6.2.7
  source: {{http: "{server}/model-card"}}
  schedule: FREQ=WEEKLY;BYDAY=MO
- name: log-retention
  control: A.6.2.8
  source: {{files: {{folder: "{folder}", pattern: "*.txt"}}}}
- name: flaky
  control: A.8.2
  source: {{http: "{server}/down"}}
""")
    with sample.work() as uow:
        collectors.load_collectors(uow, get_program(uow.session, sample.key), str(spec))


def run_all(sample: Sample) -> dict[str, dict[str, object]]:
    with sample.work() as uow:
        specs = collectors.collector_specs(uow, get_program(uow.session, sample.key))
    out = {}
    for collector_id, source, target, pattern, name in specs:
        try:
            fetched, error = fetch(source, target, pattern, name), None
        except AimsflowError as exc:
            fetched, error = None, str(exc)
        with sample.work() as uow:
            out[name] = collectors.record_collection(uow, collector_id, fetched, error)
    return out


def test_collectors_store_new_content_and_reconfirm_unchanged_content(sample: Sample, tmp_path: Path,
                                                                     server: str) -> None:
    declare(sample, tmp_path, server)
    first = run_all(sample)
    assert len(first["model-card"]["stored"]) == 1  # type: ignore[arg-type]
    assert len(first["log-retention"]["stored"]) == 1  # type: ignore[arg-type]
    second = run_all(sample)
    assert second["model-card"]["stored"] == [] and second["model-card"]["reconfirmed"] == first["model-card"]["stored"]
    BODY["/model-card"] = b"model card: fraud-scoring v8\n"
    third = run_all(sample)
    assert len(third["model-card"]["stored"]) == 1  # type: ignore[arg-type]


def test_a_collector_that_keeps_failing_opens_work_for_the_control_owner(sample: Sample) -> None:
    with sample.work() as uow:
        program = get_program(uow.session, sample.key)
        flaky = next(c for c in collectors.list_collectors(uow, program) if c["name"] == "flaky")
        before = len([w for w in list_work(uow, program) if "Collector flaky keeps failing" in w["title"]])
    runs = collectors.FAILURE_LIMIT - int(flaky["failures"]) if flaky["failures"] < collectors.FAILURE_LIMIT else 1
    results = [run_all(sample)["flaky"] for _ in range(runs)]
    assert all("HTTP 503" in str(r["error"]) for r in results)
    assert all(r["opened"] is None for r in results[:-1])
    with sample.work() as uow:
        program = get_program(uow.session, sample.key)
        opened = [w for w in list_work(uow, program) if "Collector flaky keeps failing" in w["title"]]
        failures = next(c for c in collectors.list_collectors(uow, program) if c["name"] == "flaky")["failures"]
    assert failures >= collectors.FAILURE_LIMIT
    assert len(opened) == max(before, 1)  # one request per day of failures, never one per run
    assert opened[0]["subject"] == "A.8.2" and opened[0]["assignee"]


def test_a_collectors_file_with_errors_loads_nothing_and_names_each_error(sample: Sample, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("""
- name: ok
  control: A.2.2
  source: {command: "echo hi"}
- name: bad
  control: A.99.1
  source: {ftp: "x"}
""")
    with sample.work() as uow:
        before = collectors.list_collectors(uow, get_program(uow.session, sample.key))
    with pytest.raises(InvalidInput) as refused, sample.work() as uow:
        collectors.load_collectors(uow, get_program(uow.session, sample.key), str(spec))
    assert "collector 2, field control" in str(refused.value)
    assert "collector 2, field source" in str(refused.value)
    with sample.work() as uow:
        assert collectors.list_collectors(uow, get_program(uow.session, sample.key)) == before
