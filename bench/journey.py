"""Benchmark: the whole simulated journey (aimsflow.demo) with N generated AI systems instead of 12.

Each size runs in a fresh subprocess, so its peak memory is its own. Prints one JSON line per size:
wall time, rows written (every table counted after the journey), events in the trail, events per
second and peak resident memory (ru_maxrss).

    python bench/journey.py [--sizes 10,50,200]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIO_SYSTEMS = ("claims-triage", "fraud-scoring", "chatbot")  # the demo's script names these three


def generated_systems(n: int) -> list[dict[str, object]]:
    """N systems shaped like the built-in scenario's twelve (same mix of status, risk, owner, scope), uniquely named.

    The first twelve are the samples themselves in their order, so the systems the scenario's steps
    name (claims-triage, fraud-scoring, chatbot) are always there; the rest are copies with a suffix.
    """
    from aimsflow.scenario import load_scenario

    samples = load_scenario().systems
    out = []
    for i in range(n):
        sample = samples[i % len(samples)]
        copy = i // len(samples)
        out.append({**sample, "name": f"{sample['name']}-{copy + 1}" if copy else sample["name"],
                    "purpose": f"{sample['purpose']} (copy {copy})" if copy else sample["purpose"]})
    return out


def count_rows(url: str) -> dict[str, int]:
    from sqlalchemy import MetaData, create_engine, func, select
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        metadata = MetaData()
        metadata.reflect(bind=engine)
        with engine.connect() as conn:
            return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                    for name, table in sorted(metadata.tables.items())}
    finally:
        engine.dispose()


def one_size(n: int) -> dict[str, object]:
    """Run the journey once with N systems in this process (called in a fresh subprocess)."""
    from dataclasses import replace

    import aimsflow.demo as demo_module
    from aimsflow.scenario import load_scenario

    systems = generated_systems(n)
    missing = [s for s in SCENARIO_SYSTEMS if s not in {row["name"] for row in systems}]
    if missing:
        raise SystemExit(f"--sizes: {n} systems is too few; the journey needs {', '.join(missing)}")
    scenario = replace(load_scenario(), systems=systems)  # the built-in journey, with N systems
    folder = Path(tempfile.mkdtemp(prefix="aimsflow-bench-journey-"))
    try:
        db, evidence = folder / "journey.db", folder / "evidence"
        os.environ["AIMSFLOW_EVIDENCE_DIR"] = str(evidence)
        demo = demo_module.Demo(db, evidence, echo=lambda _line: None, scenario=scenario)
        started = time.perf_counter()
        summary = demo.run()
        seconds = time.perf_counter() - started
        demo.engine.dispose()
        shutil.rmtree(demo.files, ignore_errors=True)
        rows = count_rows(f"sqlite:///{db}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    events = rows.get("event", 0)
    work = summary.get("work", {})
    return {
        "bench": "journey", "systems": n, "seconds": round(seconds, 2),
        "seconds_per_system": round(seconds / n, 3),
        "rows_written": sum(rows.values()), "events": events, "work_items": rows.get("work_item", 0),
        "events_per_second": round(events / seconds, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "work_by_state": work.get("by_state") if isinstance(work, dict) else None,
        "database": "sqlite (WAL, synchronous=FULL)",
        "machine": platform.node(), "cpus": os.cpu_count(), "python": platform.python_version(),
        "load_average": round(os.getloadavg()[0], 1),  # other work on the machine skews the figures
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10,50,200", help="AI system counts, comma-separated (each >= 4)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size in this process
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one_size(args.one)), flush=True)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    root = Path(__file__).resolve().parents[1]
    for n in sizes:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--one", str(n)], cwd=root,
                              capture_output=True, text=True, check=False)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if proc.returncode != 0 or not lines:
            print(json.dumps({"bench": "journey", "systems": n, "failed": proc.returncode,
                              "error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}), flush=True)
            continue
        print(lines[-1], flush=True)


if __name__ == "__main__":
    main()
