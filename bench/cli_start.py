"""Benchmark: how long the command line takes to answer, beside what Python, typer, SQLModel and Prefect cost.

Runs, in one go and interleaved (one repetition of every command, then the next round, so a change
in the machine's load touches every row alike), each of:

    python -c pass                 the interpreter alone
    typer app --help               a two-command typer app's help: the floor for `aimsflow --help`
    python -c "import sqlmodel"    the floor for a command that reads the database
    aimsflow --help
    aimsflow status P
    aimsflow work list P
    prefect --help

on a program it creates first in a temporary SQLite database (with the `aimsflow` command itself).
Each command runs once untimed (a warm disk cache, compiled bytecode), then --repeat times. It
prints one JSON line per command (median and min wall seconds, the median CPU seconds of the
process, and both ratios to its floor) and a last line with the two targets, judged on wall time.
On a loaded machine the CPU figures are the steadier ones.

    python bench/cli_start.py [--repeat 7]

Targets (issue 12): `aimsflow --help` within 1.5x of the typer app's help; `status` and `work list`
within 1.3x of `import sqlmodel`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
PROGRAM = "bench-start"
TYPER_APP = '''
import typer

app = typer.Typer()


@app.command()
def hello(name: str) -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


@app.command()
def bye(name: str) -> None:
    """Say goodbye."""
    typer.echo(f"bye {name}")


app()
'''


def command(name: str) -> list[str]:
    """A console script of this environment, or (installed elsewhere) its module run by this Python."""
    script = BIN / name
    if script.exists():
        return [str(script)]
    if name == "aimsflow":
        return [sys.executable, "-c", "from aimsflow.cli import main; main()"]
    return [sys.executable, "-m", name]


def rows(folder: Path) -> list[tuple[str, list[str], str | None]]:
    """(name, argv, the row whose time is its floor)."""
    typer_app = folder / "two_commands.py"
    typer_app.write_text(TYPER_APP, encoding="utf-8")
    aimsflow = command("aimsflow")
    return [
        ("python -c pass", [sys.executable, "-c", "pass"], None),
        ("typer app --help", [sys.executable, str(typer_app), "--help"], None),
        ("python -c 'import sqlmodel'", [sys.executable, "-c", "import sqlmodel"], None),
        ("aimsflow --help", [*aimsflow, "--help"], "typer app --help"),
        ("aimsflow status P", [*aimsflow, "status", PROGRAM], "python -c 'import sqlmodel'"),
        ("aimsflow work list P", [*aimsflow, "work", "list", PROGRAM], "python -c 'import sqlmodel'"),
        ("prefect --help", [*command("prefect"), "--help"], "typer app --help"),
    ]


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of `argv`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each command (default 7)")
    args = parser.parse_args()
    machine = {"machine": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version()}
    with tempfile.TemporaryDirectory(prefix="aimsflow-cli-start-") as tmp:
        folder = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIMSFLOW_")}
        env.update(AIMSFLOW_DATABASE_URL=f"sqlite:///{folder / 'bench.db'}", AIMSFLOW_EVIDENCE_DIR=str(folder / "ev"),
                   PREFECT_HOME=str(folder / "prefect"))
        subprocess.run([*command("aimsflow"), "init"], env=env, cwd=folder, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*command("aimsflow"), "program", "create", "Bench Start Ltd", "--scope", "every AI system",
                        "--start", "2027-01-04", "--key", PROGRAM], env=env, cwd=folder, check=True,
                       stdout=subprocess.DEVNULL)
        table = rows(folder)
        for _name, argv, _floor in table:  # untimed: bytecode compiled, files in the page cache
            timed(argv, env, folder)
        load_before = load_average()
        times: dict[str, list[float]] = {name: [] for name, _argv, _floor in table}
        cpu: dict[str, list[float]] = {name: [] for name, _argv, _floor in table}
        for _round in range(args.repeat):
            for name, argv, _floor in table:
                wall, used = timed(argv, env, folder)
                times[name].append(wall)
                cpu[name].append(used)
        load_after = load_average()
    medians = {name: statistics.median(t) for name, t in times.items()}
    cpu_medians = {name: statistics.median(t) for name, t in cpu.items()}
    for name, _argv, floor in table:
        line: dict[str, Any] = {"command": name, "runs": len(times[name]), "median_s": round(medians[name], 3),
                                "min_s": round(min(times[name]), 3), "cpu_median_s": round(cpu_medians[name], 3)}
        if floor is not None:
            line["floor"] = floor
            line["ratio_to_floor"] = round(medians[name] / medians[floor], 2)
            line["cpu_ratio_to_floor"] = round(cpu_medians[name] / cpu_medians[floor], 2)
        print(json.dumps({**line, "load_average": load_after}), flush=True)
    help_ratio = medians["aimsflow --help"] / medians["typer app --help"]
    read_ratio = max(medians["aimsflow status P"], medians["aimsflow work list P"]) / medians[
        "python -c 'import sqlmodel'"]
    print(json.dumps({
        "targets": {"help_within_1.5x_typer": round(help_ratio, 2) <= 1.5,
                    "reads_within_1.3x_sqlmodel": round(read_ratio, 2) <= 1.3},
        "help_ratio": round(help_ratio, 2), "read_ratio": round(read_ratio, 2),
        "load_average_before": load_before, "load_average_after": load_after, **machine}), flush=True)


if __name__ == "__main__":
    main()
