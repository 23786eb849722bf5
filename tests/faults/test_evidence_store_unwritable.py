"""The evidence folder cannot be written (read-only, or full): a clear error, and no partial write.

`work complete ... --evidence FILE` and `evidence add` run as real `aimsflow` processes. Read-only:
a folder chmod 0o555, unless the tests run as root (chmod stops no writes then): the store is then
put under a regular FILE, so creating its folder fails the way a read-only mount does. Full: the
process runs with RLIMIT_FSIZE below the evidence file's size, so writing it fails part-way
("File too large"), as on a full disk.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.dumps import dump
from tests.faults.conftest import (
    PM,
    PROGRAM,
    assert_clear_error,
    assert_unchanged,
    clean_env,
    first_item,
    run_together,
)

FSIZE_LIMIT = 16 * 1024 * 1024  # well above the SQLite file and its WAL, below the evidence file
BIG = 24 * 1024 * 1024


def _read_only_store(tmp_path: Path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    probe = folder / "probe"
    try:
        probe.touch()
    except PermissionError:
        return folder / "evidence"  # chmod works: the store's folder cannot be created inside it
    probe.unlink()  # root: chmod does not stop writes; a regular file where a folder must be does
    folder.chmod(0o755)
    blocker = folder / "not-a-folder"
    blocker.write_text("a regular file where the evidence store's parent folder should be\n")
    return blocker / "evidence"


def _full_disk() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE_LIMIT, FSIZE_LIMIT))


def _commands(item: dict[str, Any], evidence: str) -> list[tuple[str, ...]]:
    return [("work", "complete", item["id"], "--by", item["assignee"], "--note", "done, file attached",
             "--evidence", evidence),
            ("evidence", "add", PROGRAM, evidence, "--control", "A.2.2", "--by", PM)]


def _files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def _attempt(started: Any, cli_env: dict[str, str], database_url: str, tmp_path: Path, store: Path,
             evidence: Path, preexec: Callable[[], None] | None) -> list[str]:
    """Run both commands (at once) against the broken store; check each error and the database."""
    item = first_item(started, "deliverable")
    env = {**cli_env, "AIMSFLOW_EVIDENCE_DIR": str(store), "AIMSFLOW_EVIDENCE_MAX_BYTES": str(4 * BIG)}
    before = dump(database_url)
    outcomes = run_together(env, tmp_path / "runs", _commands(item, str(evidence)), preexec=preexec)
    lines = []
    for outcome in outcomes:
        line = assert_clear_error(outcome)
        assert "evidence" in line and "nothing was saved" in line, f"unclear error:\n{outcome}"
        lines.append(line)
    assert_unchanged(before, dump(database_url))
    return lines


def test_a_read_only_evidence_folder_gives_a_clear_error_and_changes_nothing(
    started: Any, cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    evidence = tmp_path / "policy.txt"
    evidence.write_text("The AI policy, approved by the board\n")
    store = _read_only_store(tmp_path)
    _attempt(started, cli_env, database_url, tmp_path, store, evidence, preexec=None)
    assert not store.exists()


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    path = tmp_path / "model-card.bin"
    with path.open("wb") as handle:
        handle.truncate(BIG)  # sparse: costs no disk until the store copies it
    return path


def test_a_full_evidence_folder_gives_a_clear_error_and_changes_nothing(
    started: Any, cli_env: dict[str, str], database_url: str, tmp_path: Path, big_file: Path
) -> None:
    store = Path(cli_env["AIMSFLOW_EVIDENCE_DIR"])
    lines = _attempt(started, cli_env, database_url, tmp_path, store, big_file, preexec=_full_disk)
    assert all("cannot write" in line for line in lines), lines


def test_a_full_evidence_folder_keeps_no_partial_file(tmp_path: Path, big_file: Path) -> None:
    store = tmp_path / "store"
    code = ("from aimsflow import evidence_store\n"
            "from aimsflow.errors import AimsflowError\n"
            "try:\n"
            f"    evidence_store.ingest({str(big_file)!r})\n"
            "except AimsflowError as exc:\n"
            "    print(exc)\n")
    proc = subprocess.run([sys.executable, "-c", code], env=clean_env(AIMSFLOW_EVIDENCE_DIR=str(store),
                          AIMSFLOW_EVIDENCE_MAX_BYTES=str(4 * BIG)), capture_output=True, text=True,
                          preexec_fn=_full_disk, timeout=60, check=False)
    assert proc.returncode == 0 and "cannot write" in proc.stdout, proc.stdout + proc.stderr
    left = {name: os.path.getsize(store / name) for name in _files_under(store)}
    assert not left, f"partial files left in the evidence store: {left}"
