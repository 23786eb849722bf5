"""Benchmark: what each layer of a lifecycle step costs, sampled over the transitions benchmark's steps.

Runs the `nc` and `work` use cases of bench/lifecycle_steps.py (same set-up, same service calls)
while a timer (setitimer ITIMER_REAL, every 0.5 ms) samples the call stack. Each sample goes to the
innermost layer on the stack: the session's connection and BEGIN (taken by the step's first
statement), the step's load query and its aggregate, the guards and the
transitions' fire, the trail (hashing an event; writing the events and moving the head), the
versioned writes, the commit, the session's opening and closing, or the rest (the service's own
Python, the unit of work's wrapper). A signal handler costs a few microseconds a sample, far less
than a deterministic profiler's cost per call, so the shares hold. `ms` per layer is its share of
the sampled run's wall time per step (`wall_ms_per_step`): waits for the disk (fsync at commit)
count where they happen, and so do waits for a CPU on a busy machine; `--sqlite-dir /dev/shm`
takes the disk out. `cpu_ms_per_step` is the same run's CPU time. Unix only.

    python bench/step_layers.py [--steps 1200] [--completions 1200] [--database-url URL] [--sqlite-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from sqlalchemy.orm import Session, SessionTransaction

sys.path.insert(0, str(Path(__file__).parent))
from lifecycle_steps import LOOP, machine, service_completions, service_nc_steps, setup
from sweep import database

from aimsflow import rows, trail
from aimsflow.services import aggregates
from states import machine as lifecycle_machine

LAYERS: dict[str, list[Callable[..., Any]]] = {
    "connection and BEGIN (first statement)": [SessionTransaction._connection_for_bind],
    "load query and aggregate": [aggregates.load_nonconformity, aggregates.load_work_item],
    "guards and transitions' fire": [lifecycle_machine.fire],
    "trail: hash and queue the event": [trail.Chain.append],
    "trail: insert events, move head": [trail.Chain.write],
    "versioned writes": [rows.update_versioned, rows.insert_row],
    "commit (without the trail's write)": [Session.commit],
    "session open and close": [Session.__init__, Session.close],
}
REST = "the rest (the service's own Python)"
INTERVAL = 0.0005  # seconds between samples (a CPU-time timer only ticks with the kernel clock, every few ms)


def _codes() -> dict[CodeType, str]:
    return {function.__code__: layer for layer, functions in LAYERS.items() for function in functions}


def layers(steps: Callable[[], Iterator[None]]) -> dict[str, object]:
    codes, samples = _codes(), Counter[str]()

    def sample(_signum: int, frame: FrameType | None) -> None:
        while frame is not None and frame.f_code not in codes:
            frame = frame.f_back
        samples[codes[frame.f_code] if frame is not None else REST] += 1

    previous = signal.signal(signal.SIGALRM, sample)
    started, cpu = time.perf_counter(), time.process_time()
    signal.setitimer(signal.ITIMER_REAL, INTERVAL, INTERVAL)
    try:
        done = sum(1 for _ in steps())
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)
    wall_ms = 1000 * (time.perf_counter() - started) / done
    cpu_ms = 1000 * (time.process_time() - cpu) / done
    total = sum(samples.values())
    return {"steps": done, "wall_ms_per_step": round(wall_ms, 3), "cpu_ms_per_step": round(cpu_ms, 3),
            "samples": total,
            "layers": {name: {"ms": round(wall_ms * samples[name] / total, 3),
                              "share": round(samples[name] / total, 3)} for name in [*LAYERS, REST]}}


def _cpu_ms(steps: Iterator[None]) -> float:
    cpu = time.process_time()
    done = sum(1 for _ in steps)
    return round(1000 * (time.process_time() - cpu) / done, 3)


def measure(base_url: str | None, folder: Path, steps: int, completions: int) -> None:
    ncs = steps // len(LOOP) + 1
    with database(base_url, folder, f"layers-{time.time_ns()}") as (kind, engine):
        nc_refs, item_refs = setup(engine, 2 * ncs, 2 * completions)
        half = len(nc_refs) // 2
        plain = {"nc": _cpu_ms(service_nc_steps(engine, nc_refs[:half], steps)),
                 "work": _cpu_ms(service_completions(engine, item_refs[:completions]))}
        sampled = {"nc": layers(lambda: service_nc_steps(engine, nc_refs[half:], steps)),
                   "work": layers(lambda: service_completions(engine, item_refs[completions:]))}
    for use_case, figures in sampled.items():
        print(json.dumps({"bench": "step_layers", "use_case": use_case, "database": kind,
                          "unsampled_cpu_ms_per_step": plain[use_case], **figures, **machine()}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", type=int, default=1200, help="nonconformity-loop steps")
    parser.add_argument("--completions", type=int, default=1200, help="work-item completions")
    parser.add_argument("--database-url", default=os.environ.get("AIMSFLOW_BENCH_DATABASE_URL"),
                        help="also measure on this PostgreSQL database, in a fresh schema")
    parser.add_argument("--sqlite-dir", default=None, help="where the SQLite files go (/dev/shm: no disk)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aimsflow-bench-layers-", dir=args.sqlite_dir) as tmp:
        measure(None, Path(tmp), args.steps, args.completions)
        if args.database_url:
            measure(args.database_url, Path(tmp), args.steps, args.completions)


if __name__ == "__main__":
    main()
