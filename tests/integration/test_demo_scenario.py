"""`aimsflow demo --scenario FILE`: a consultant's own rehearsal runs; a broken one is refused naming the step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from models.db import engine_for
from tests.conftest import CliResult, run_main

SCENARIO = """\
program:
  name: Kopi Analytics
  scope: the credit-scoring model of the Singapore office
  start: 2027-02-01
people:
  - {name: Lee Ann, roles: [program-manager]}
  - {name: Raj Kumar, roles: [owner], functions: [technology, legal, compliance, operations, hr]}
  - {name: Wong Mei, roles: [top-management]}
  - {name: Omar Said, roles: [internal-auditor]}
systems:
  - {name: credit-score, purpose: scores loan applications, status: deployed, risk_level: high, owner: Raj Kumar}
steps:
  - advance: 20d
  - complete_work
  - clock: 2027-03-15
  - phase: {say: "gap analysis: {done} items done -> {phase}"}
  - audit: {name: first_internal, kind: internal, date: today + 7d, auditors: [Omar Said]}
  - clock: first_internal + 1d
  - finding: {audit: first_internal, name: logs, severity: minor, ref: A.6.2.8, text: logs kept too briefly}
  - close_audit: first_internal
  - corrective_action: {finding: logs, by: Raj Kumar, implemented_by: Raj Kumar, verifier: Omar Said}
  - say: "internal audit closed; {logs[nonconformity]} verified"
"""


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], CliResult]:
    """`aimsflow demo --direct --scenario FILE` in this process, in a folder of its own."""
    for key in ("AIMSFLOW_DATABASE_URL", "AIMSFLOW_EVIDENCE_DIR", "AIMSFLOW_MAILBOX"):
        monkeypatch.setenv(key, "unset")  # the command sets them; restored afterwards
    monkeypatch.delenv("AIMSFLOW_SMTP_HOST", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(text: str) -> CliResult:
        (tmp_path / "client.yaml").write_text(text, encoding="utf-8")
        result = run_main("demo", "--direct", "--scenario", "client.yaml", "--database", "client.db")
        engine_for(f"sqlite:///{tmp_path / 'client.db'}").dispose()
        engine_for.cache_clear()
        return result

    return run


def test_a_consultants_own_scenario_runs_through_the_same_services(demo: Callable[[str], CliResult]) -> None:
    result = demo(SCENARIO)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "aimsflow demo: Kopi Analytics, 1 AI systems, simulated clock"
    assert "[2027-03-15] gap analysis: 30 items done -> foundation_building" in lines
    assert "[2027-04-12] internal audit closed; NC-1 verified" in lines
    # The clock jumps past both thresholds of one item: its program manager hears first, then top management.
    assert "findings: 1 (concern 0, major 0, minor 1, ofi 0); escalations: 3" in lines
    status = run_main("status", "kopi-analytics", "--json")
    assert status.returncode == 0 and status.json()["state"] == "foundation_building"


def test_a_broken_step_is_refused_by_number_and_field_before_anything_runs(
        demo: Callable[[str], CliResult], tmp_path: Path) -> None:
    result = demo(SCENARIO.replace("kind: internal, ", ""))
    assert result.returncode == 2
    assert result.stderr.strip() == "error: scenario client.yaml: step 5 (audit): field 'kind' is missing"
    assert "Traceback" not in result.stderr and not (tmp_path / "client.db").exists()


def test_a_step_a_service_refuses_is_named_with_the_services_reason(demo: Callable[[str], CliResult]) -> None:
    result = demo(SCENARIO.replace("verifier: Omar Said", "verifier: Nobody Here"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: scenario client.yaml: step 9 (corrective_action): ")
    assert "'Nobody Here' is not a person of program kopi-analytics" in result.stderr
