"""The package installs anywhere: a wheel in a fresh virtual environment, away from the checkout, runs the journey.

Only an editable install used to work: a wheel carried no templates, so `aimsflow report all` failed with "no
report template for 'gap-analysis'". Here the wheel is built from a copy of the checkout, installed into a new
virtual environment (pip resolves the dependencies from the package index and its cache), and its `aimsflow`
runs the demo and writes every report from a temporary working directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

from aimsflow.reports import KINDS, file_name

REPO_ROOT = Path(__file__).resolve().parents[2]
# What a wheel is not built from: local state, caches and the tests themselves.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "*.db*",
                                    "tests", "bench", "docs", "aimsflow-demo*", "evidence")
PIP_TIMEOUT = 900  # resolving prefect's dependencies into an empty environment, from the cache or the index


def run(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"$ {' '.join(args)}\nexit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_a_wheel_installed_outside_the_checkout_runs_the_demo_and_writes_every_report(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIMSFLOW_", "PYTHON", "VIRTUAL_ENV"))}
    source, wheels, work = tmp_path / "source", tmp_path / "wheels", tmp_path / "work"
    shutil.copytree(REPO_ROOT, source, ignore=NOT_SOURCE)
    work.mkdir()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
         str(source)], cwd=tmp_path, env=env)
    (wheel,) = wheels.glob("aimsflow-*.whl")

    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], cwd=tmp_path, env=env,
        timeout=PIP_TIMEOUT)
    where = run([str(bin_dir / "python"), "-c", "import aimsflow, templates; print(aimsflow.__file__); "
                 "print(templates.__file__)"], cwd=work, env=env).split()
    assert all(Path(p).is_relative_to(tmp_path / "venv") for p in where), where

    aimsflow = str(bin_dir / "aimsflow")
    run([aimsflow, "demo", "--direct"], cwd=work, env=env)
    env["AIMSFLOW_DATABASE_URL"] = f"sqlite:///{work / 'aimsflow-demo.db'}"
    (program,) = json.loads(run([aimsflow, "program", "list", "--json"], cwd=work, env=env))
    said = run([aimsflow, "report", "all", program["key"], "-o", "reports"], cwd=work, env=env)

    written = sorted(p.name for p in (work / "reports").iterdir())
    assert f"wrote {len(written)} reports" in said
    expected = [file_name(kind, fmt) for kind, spec in KINDS.items() if not spec.per_system for fmt in ("html", "md")]
    assert set(expected) <= set(written)
    assert [n for n in written if n.startswith("impact-assessment-")], written  # the demo assesses its systems
    assert "<html" in (work / "reports" / "gap-analysis.html").read_text(encoding="utf-8").lower()
