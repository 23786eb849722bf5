"""bench/cli_start.py runs in CI: one repetition prints a line for every command and the targets line.

It asserts what was printed, never a time (tests do not time anything).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ["python -c pass", "typer app --help", "python -c 'import sqlmodel'", "aimsflow --help",
            "aimsflow status P", "aimsflow work list P", "prefect --help"]


def test_the_cli_start_benchmark_prints_every_command_and_the_targets(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIMSFLOW_")}
    done = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "cli_start.py"), "--repeat", "1"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line.get("command") for line in lines[:-1]] == COMMANDS
    assert all(line["runs"] == 1 and line["median_s"] > 0 and line["cpu_median_s"] > 0 for line in lines[:-1])
    assert set(lines[-1]["targets"]) == {"help_within_1.5x_typer", "reads_within_1.3x_sqlmodel"}
    assert len(lines[-1]["load_average_after"]) == 3
