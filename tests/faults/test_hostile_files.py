"""Hostile names and files: nothing written outside its place, no evidence whose hash is not its content.

Collectors named like paths (`../../x`, `/abs/path`, NUL, control characters, leading dots, too
long) are refused when loaded, and one already stored writes nothing when run. Evidence files
that are links (at any depth of their path), FIFOs, devices, sockets, folders, pseudo files of
/proc and /sys, empty (without --allow-empty), over the limit, or added without a submitter are
refused with one line, the database and the evidence store unchanged. A file that grows while it
is stored is stored under the hash of exactly the bytes copied.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from aimsflow import evidence_store
from tests.dumps import dump
from tests.faults.conftest import (
    EXAMPLES,
    PM,
    PROGRAM,
    InProcess,
    assert_clear_error,
    assert_unchanged,
    in_process,
    in_process_database,
    start_program,
)
from tests.faults.test_hostile_export import BAD_NAMES

SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_files = itertools.count()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("hostile-files")
    with in_process_database(folder) as url:
        start_program(InProcess())
        yield url, folder


def files_under(folder: Path) -> dict[str, bytes | str]:
    """Every file and link under a folder, with its content (a link: where it points)."""
    out: dict[str, bytes | str] = {}
    for path in folder.rglob("*"):
        if path.is_symlink():
            out[str(path)] = f"-> {os.readlink(path)}"
        elif path.is_file():
            out[str(path)] = path.read_bytes()
    return out


def outside_the_database(files: dict[str, bytes | str]) -> dict[str, bytes | str]:
    return {k: v for k, v in files.items() if not Path(k).name.startswith("aimsflow.db")}


# --- collectors: a name never becomes a path -------------------------------------------------------


@SETTINGS
@given(name=BAD_NAMES)
def test_a_collector_named_like_a_path_is_refused_when_loaded(database: tuple[str, Path], name: str) -> None:
    url, folder = database
    spec = folder / f"collectors-{next(_files)}.yaml"
    spec.write_text(yaml.safe_dump([{"name": name, "control": "A.6.2.8", "source": {"command": "echo evidence"}}]),
                    encoding="utf-8")
    before = dump(url)
    outcome = in_process("collectors", "load", PROGRAM, str(spec))
    line = assert_clear_error(outcome)
    assert outcome.returncode == 2 and "field name" in line, str(outcome)
    assert_unchanged(before, dump(url))


@pytest.mark.parametrize("name", ["../escaped", "../../escaped", "{sandbox}/escaped", "sub/escaped", ".escaped",
                                  "esc\x00aped", "esc\naped", "..\\escaped"])
def test_a_stored_collector_named_like_a_path_writes_nothing_when_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    # A collector stored before names were checked (or written into the database by hand).
    sandbox = tmp_path / "sandbox"
    spool = sandbox / "tmp"
    spool.mkdir(parents=True)
    monkeypatch.setattr("tempfile.tempdir", str(spool))  # where collected output is spooled
    name = name.format(sandbox=sandbox)
    with in_process_database(sandbox) as url:
        start_program(InProcess())
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute("INSERT INTO collector (version, program_id, name, ref, source, target, schedule, valid_for, "
                         "consecutive_failures) VALUES (1, 1, ?, 'A.6.2.8', 'command', 'echo evidence', "
                         "'FREQ=DAILY', '12m', 0)", (name,))
        before = outside_the_database(files_under(tmp_path))
        outcome = in_process("collectors", "run", PROGRAM, "--json")
        evidence = InProcess().json("evidence", "list", PROGRAM)
    assert outcome.returncode == 0, str(outcome)
    assert "it becomes a file name" in outcome.stdout, outcome.stdout
    assert evidence == []
    assert outside_the_database(files_under(tmp_path)) == before, "a collector's name wrote a file"


# --- evidence files: only regular files, read once ---------------------------------------------------


def _link_at(depth: int, tmp: Path) -> str:
    """A file whose path has a symbolic link `depth` folders above it (0: the file itself is the link)."""
    real = tmp / "real" / "a" / "b" / "c"
    real.mkdir(parents=True, exist_ok=True)
    (real / "policy.txt").write_text("the AI policy\n")
    if depth == 0:
        (real / "link.txt").symlink_to(real / "policy.txt")
        return str(real / "link.txt")
    parts = ["a", "b", "c"]
    linked_folder = tmp / "real" / Path(*parts[:3 - depth + 1])
    link = tmp / f"link-{depth}"
    link.symlink_to(linked_folder)
    return str(link / Path(*parts[3 - depth + 1:]) / "policy.txt")


def _special(kind: str, tmp: Path) -> str:
    if kind == "fifo":
        os.mkfifo(tmp / "pipe")
        return str(tmp / "pipe")
    if kind == "socket":
        path = tmp / "sock"
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(path))  # the socket file stays after the socket is closed
        return str(path)
    if kind == "folder":
        (tmp / "folder").mkdir()
        return str(tmp / "folder")
    if kind == "missing":
        return str(tmp / "no-such-file.txt")
    if kind == "line-break":
        (tmp / "a\nb").mkdir()
        return str(tmp / "a\nb")
    return kind  # a path of /proc, /sys or /dev


SPECIALS = ["fifo", "socket", "folder", "missing", "line-break", "/dev/null", "/dev/zero", "/dev/urandom",
            "/proc/self/status", "/proc/self/environ", "/proc/cpuinfo", "/proc/self/fd/0",
            "/sys/kernel/mm/transparent_hugepage/enabled"]


def _refused_evidence(database: tuple[str, Path], path: str, *extra: str, code: int = 2) -> str:
    url, _folder = database
    store = Path(os.environ["AIMSFLOW_EVIDENCE_DIR"])
    before, stored = dump(url), files_under(store) if store.is_dir() else {}
    outcome = in_process("evidence", "add", PROGRAM, path, "--control", "A.2.2", *extra)
    line = assert_clear_error(outcome)
    assert outcome.returncode == code, str(outcome)
    assert_unchanged(before, dump(url))
    assert (files_under(store) if store.is_dir() else {}) == stored, "the evidence store changed"
    return line


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_evidence_with_a_link_anywhere_in_its_path_is_refused(database: tuple[str, Path], tmp_path: Path,
                                                              depth: int) -> None:
    line = _refused_evidence(database, _link_at(depth, tmp_path), "--by", PM)
    assert "symbolic link" in line, line


@pytest.mark.parametrize("kind", SPECIALS)
def test_evidence_that_is_not_a_regular_file_is_refused(database: tuple[str, Path], tmp_path: Path,
                                                        kind: str) -> None:
    path = _special(kind, tmp_path)
    if kind.startswith("/") and not os.path.exists(path):
        pytest.skip(f"{path} does not exist here")
    line = _refused_evidence(database, path, "--by", PM)
    assert any(word in line for word in ("not a regular file", "generated as they are read", "does not exist",
                                         "symbolic link")), line


def test_an_empty_evidence_file_is_refused_unless_allowed(database: tuple[str, Path], tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.touch()
    assert "is empty" in _refused_evidence(database, str(empty), "--by", PM)
    added = InProcess().json("evidence", "add", PROGRAM, str(empty), "--control", "A.2.2", "--by", PM,
                             "--allow-empty")
    assert added["size"] == 0 and added["sha256"] == hashlib.sha256(b"").hexdigest()


@pytest.mark.parametrize("by", [None, "", "   ", "Nobody Known"])
def test_evidence_without_a_known_submitter_is_refused(database: tuple[str, Path], tmp_path: Path,
                                                       by: str | None) -> None:
    policy = tmp_path / "policy.txt"
    policy.write_text("the AI policy\n")
    line = _refused_evidence(database, str(policy), *(() if by is None else ("--by", by)),
                             code=3 if by == "Nobody Known" else 2)
    assert line.startswith("error: --by:"), line


@pytest.mark.parametrize("size", [11, 4096, 3 * (1 << 20) + 1])
def test_evidence_over_the_limit_is_refused_while_it_is_read(database: tuple[str, Path], tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    monkeypatch.setenv("AIMSFLOW_EVIDENCE_MAX_BYTES", str(size - 1))
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(size))
    assert "over the limit" in _refused_evidence(database, str(big), "--by", PM)


def test_a_file_growing_while_it_is_stored_is_stored_under_the_hash_of_what_was_copied(
        database: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "growing.log"
    log.write_bytes(b"line\n" * 500_000)  # more than one read
    real_read = os.read
    grown = []

    def read_while_it_grows(fd: int, n: int) -> bytes:
        chunk = real_read(fd, n)
        if len(grown) < 3:
            with log.open("ab") as handle:  # a logger appends between our reads
                handle.write(b"another line\n" * 1000)
        grown.append(len(chunk))
        return chunk

    monkeypatch.setattr(os, "read", read_while_it_grows)
    stored = evidence_store.ingest(str(log))
    monkeypatch.setattr(os, "read", real_read)
    content = evidence_store.read_verified(stored.sha256)  # raises when the name is not the content's hash
    assert len(grown) > 2 and stored.size == len(content) == sum(grown)
    assert log.read_bytes().startswith(content)


def test_a_growing_file_over_the_limit_leaves_nothing_in_the_store(
        database: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIMSFLOW_EVIDENCE_MAX_BYTES", str(3 << 20))
    log = tmp_path / "growing.log"
    log.write_bytes(b"x" * (2 << 20))  # under the limit when opened
    real_read = os.read

    def read_while_it_grows(fd: int, n: int) -> bytes:
        with log.open("ab") as handle:
            handle.write(b"y" * (1 << 20))
        return real_read(fd, n)

    monkeypatch.setattr(os, "read", read_while_it_grows)
    line = _refused_evidence(database, str(log), "--by", PM)
    assert "over the limit" in line, line


def test_a_collector_whose_command_prints_nothing_fails_and_stores_nothing(database: tuple[str, Path]) -> None:
    _url, folder = database
    spec = folder / "silent.yaml"
    spec.write_text(yaml.safe_dump([{"name": "silent", "control": "A.6.2.8", "source": {"command": "true"}}]),
                    encoding="utf-8")
    run = InProcess()
    run.ok("collectors", "load", PROGRAM, str(spec))
    results = run.json("collectors", "run", PROGRAM)
    [silent] = [r for r in results if r["collector"] == "silent"]
    assert "is empty" in silent["error"] and silent["stored"] == []
    assert [c["failures"] for c in run.json("collectors", "list", PROGRAM) if c["name"] == "silent"] == [1]
