"""Hostile input and broken files: each class of issue 11 (parts 4, 5, 6, 10, 11) as generated cases.

Every case asserts what a user sees (its exit code, one line on stderr, no traceback, never exit 70)
and what the record holds afterwards (the database dumped whole, unchanged). Where memory matters a
command runs in a subprocess under RLIMIT_AS. Files that would hang or never end (a FIFO, /dev/zero)
are read by a subprocess with a timeout, so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.dumps import dump
from tests.faults.conftest import (
    EXAMPLES,
    OWNER,
    PM,
    PROGRAM,
    InProcess,
    Outcome,
    assert_clear_error,
    assert_unchanged,
    clean_env,
    in_process_database,
    start_program,
)

INVALID, NOT_FOUND, CONFLICT, BUSY = 2, 3, 5, 75
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def refused(run: Any, url: str, code: int, *args: str) -> str:
    """Run a command that must be refused with `code`, one line, the database unchanged; return the line."""
    before = dump(url)
    outcome = run(*args)
    line = assert_clear_error(outcome)
    assert outcome.returncode == code, f"expected exit {code}:\n{outcome}"
    assert_unchanged(before, dump(url))
    return line


def subprocess_cli(env: dict[str, str], cwd: Path, *args: str, memory: int | None = None,
                   timeout: float = 120) -> Outcome:
    """`aimsflow ARGS` in a process of its own, with at most `memory` bytes of address space."""
    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    proc = subprocess.run([sys.executable, "-c", "from aimsflow.cli import main; main()", *args], env=env,
                          cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, preexec_fn=limit)
    return Outcome(tuple(args), proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def program(run: Any, cli_env: dict[str, str]) -> str:
    """A program with its people, on this test's database; returns the database URL."""
    start_program(run)
    return cli_env["AIMSFLOW_DATABASE_URL"]


@dataclass
class Shared:
    """One database for the module's refusals (each compares its own dumps): in-process and subprocess access."""

    run: InProcess
    url: str
    env: dict[str, str]
    folder: Path


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    folder = tmp_path_factory.mktemp("hostile")
    with in_process_database(folder) as url:
        run = InProcess()
        start_program(run)
        yield Shared(run, url, clean_env(AIMSFLOW_DATABASE_URL=url, AIMSFLOW_EVIDENCE_DIR=str(folder / "evidence")),
                     folder)


# --- 4. memory and time -----------------------------------------------------------------------------

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))


@pytest.mark.parametrize("command", [("inventory", "import", PROGRAM, "systems.yaml"),
                                     ("collectors", "load", PROGRAM, "systems.yaml")])
def test_a_billion_laughs_yaml_is_refused_at_its_first_alias(shared: Shared, command: tuple[str, ...]) -> None:
    run, program = shared.run, shared.url
    Path("systems.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    line = refused(run, program, INVALID, *command)
    assert "aliases" in line and "systems.yaml" in line


@pytest.mark.parametrize("command", [("import", "{}"), ("collectors", "load", PROGRAM, "{}"),
                                     ("inventory", "import", PROGRAM, "{}")])
@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "folder"])
def test_a_fifo_a_device_or_a_folder_is_refused_before_a_byte_is_read(
        shared: Shared, command: tuple[str, ...], special: str, tmp_path: Path) -> None:
    path = str(tmp_path / f"{special.strip('/').replace('/', '-')}.yaml")
    if special == "fifo":
        os.mkfifo(path)
    elif special == "folder":
        os.mkdir(path)
    else:
        os.symlink(special, path)  # a name that passes the .yaml check, a device behind it
    before = dump(shared.url)
    outcome = subprocess_cli(shared.env, shared.folder, *(a.replace("{}", path) for a in command), timeout=60)
    line = assert_clear_error(outcome)
    assert outcome.returncode == INVALID and "not a regular file" in line, outcome
    assert_unchanged(before, dump(shared.url))


@pytest.mark.parametrize(("command", "name", "limit"), [
    (("inventory", "import", PROGRAM, "big.csv"), "big.csv", "10485760"),
    (("collectors", "load", PROGRAM, "big.yaml"), "big.yaml", "1048576"),
    (("import", "big.json"), "big.json", "536870912"),
])
def test_a_file_over_its_kind_s_limit_is_refused_naming_the_limit(shared: Shared, command: tuple[str, ...],
                                                                   name: str, limit: str) -> None:
    run, program = shared.run, shared.url
    with open(name, "wb") as sparse:  # no disk used: the size is what is checked, before reading
        sparse.truncate(int(limit) + 1)
    line = refused(run, program, INVALID, *command)
    assert limit in line and name in line


def _collectors(entries: list[dict[str, Any]]) -> str:
    Path("collectors.yaml").write_text(json.dumps(entries), encoding="utf-8")  # JSON is YAML
    return "collectors.yaml"


def test_a_command_printing_400_mb_is_stopped_at_the_byte_limit_in_bounded_memory(run: Any, cli: Any,
                                                                                  program: str) -> None:
    run.ok("collectors", "load", PROGRAM, _collectors([
        {"name": "flood", "control": "A.2.2", "source": {"command": "head -c 400000000 /dev/zero"}},
        {"name": "after", "control": "A.2.2", "source": {"command": "echo fine"}}]))
    env = {**cli.env, "AIMSFLOW_COLLECTOR_MAX_BYTES": str(1 << 20)}
    outcome = subprocess_cli(env, cli.cwd, "collectors", "run", PROGRAM, "--json", memory=768 << 20)
    assert outcome.returncode == 0, outcome
    results = {r["collector"]: r for r in json.loads(outcome.stdout)}
    assert "more than the limit of 1048576 bytes" in results["flood"]["error"]
    assert results["after"]["error"] is None and len(results["after"]["stored"]) == 1


class DripHandler(BaseHTTPRequestHandler):
    """Sends its headers, then one byte every half second, for a minute."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "120")
        self.end_headers()
        for _ in range(120):
            try:
                self.wfile.write(b"x")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.5)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def drip_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), DripHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slow"
    server.shutdown()
    server.server_close()


def test_an_http_source_sending_a_byte_at_a_time_is_stopped_at_the_collector_s_deadline(
        run: Any, cli: Any, program: str, drip_url: str) -> None:
    run.ok("collectors", "load", PROGRAM, _collectors([{"name": "drip", "control": "A.2.2",
                                                         "source": {"http": drip_url}}]))
    env = {**cli.env, "AIMSFLOW_COLLECTOR_DEADLINE_SECONDS": "2"}
    outcome = subprocess_cli(env, cli.cwd, "collectors", "run", PROGRAM, "--json", timeout=60)
    assert outcome.returncode == 0, outcome
    [result] = json.loads(outcome.stdout)
    assert "not done within 2 seconds" in result["error"]


def test_a_listing_cuts_a_long_cell_so_one_long_name_does_not_pad_every_row(shared: Shared) -> None:
    run = shared.run
    long_name = "N" * 200  # the longest name allowed
    Path("systems.csv").write_text("name,purpose,status,risk_level,owner,in_scope\n" + "".join(
        f"{name},triage,deployed,high,{OWNER},yes\n" for name in [long_name, *(f"s{i}" for i in range(50))]),
        encoding="utf-8")
    run.ok("inventory", "import", PROGRAM, "systems.csv")
    lines = run.ok("inventory", "list", PROGRAM).stdout.splitlines()
    assert len(lines) == 52 and max(len(line) for line in lines) < 200
    assert len(run.json("inventory", "list", PROGRAM)) == 51


def test_a_name_over_the_limit_is_refused_with_the_limit_named(shared: Shared) -> None:
    run, program = shared.run, shared.url
    line = refused(run, program, INVALID, "people", "add", PROGRAM, "x" * 5_000, "--role", "owner")
    assert "at most 200" in line and "5000 characters" in line and len(line) < 400
    line = refused(run, program, INVALID, "work", "complete", "WI-1", "--by", PM, "--note", "y" * 100_000)
    assert "over the limit of 10000 characters" in line and len(line) < 400


# --- 5. crashes and hangs ---------------------------------------------------------------------------


def test_an_absolute_glob_is_refused_at_load_and_one_stored_earlier_fails_alone(run: Any, program: str,
                                                                              tmp_path: Path) -> None:
    (tmp_path / "proof.txt").write_text("evidence", encoding="utf-8")
    line = refused(run, program, INVALID, "collectors", "load", PROGRAM, _collectors([
        {"name": "abs", "control": "A.2.2", "source": {"files": {"folder": str(tmp_path), "pattern": "/etc/*"}}}]))
    assert "absolute" in line
    run.ok("collectors", "load", PROGRAM, _collectors([
        {"name": "abs", "control": "A.2.2", "source": {"files": {"folder": str(tmp_path), "pattern": "*.txt"}}},
        {"name": "fine", "control": "A.2.2", "source": {"files": {"folder": str(tmp_path), "pattern": "*.txt"}}}]))
    engine = create_engine(program, poolclass=NullPool)  # as an older release let it be stored
    with engine.begin() as conn:
        conn.execute(text("UPDATE collector SET pattern = :pattern WHERE name = 'abs'"),
                     {"pattern": str(tmp_path / "*.txt")})
    engine.dispose()
    results = {r["collector"]: r for r in run.json("collectors", "run", PROGRAM)}
    assert "absolute" in results["abs"]["error"] and results["fine"]["error"] is None
    failures = {c["name"]: c["failures"] for c in run.json("collectors", "list", PROGRAM)}
    assert failures == {"abs": 1, "fine": 0}


@pytest.mark.parametrize("command", [("export", PROGRAM, "-o", "{}"), ("calendar", PROGRAM, "-o", "{}")])
def test_writing_to_a_folder_is_refused_and_leaves_nothing_behind(shared: Shared, tmp_path: Path,
                                                                 command: tuple[str, ...]) -> None:
    run, program = shared.run, shared.url
    folder = tmp_path / "out"
    folder.mkdir()
    line = refused(run, program, INVALID, *(a.replace("{}", str(folder)) for a in command))
    assert "is a folder" in line
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("out")) == ["out"]
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("ref", ["WI-99999999999999999999", "WI-2147483648", "WI-" + "9" * 5000, "9" * 5000])
def test_an_id_beyond_any_row_is_not_found_in_one_short_line(shared: Shared, ref: str) -> None:
    run, program = shared.run, shared.url
    line = refused(run, program, NOT_FOUND, "work", "complete", ref, "--by", PM, "--note", "done")
    assert "not found" in line and len(line) < 300


@pytest.mark.parametrize("duration", ["9" * 5000 + "d", "99y", "36526d", "101y", "0d"])
def test_a_duration_past_the_calendar_or_of_no_time_is_refused(shared: Shared, duration: str) -> None:
    run, program = shared.run, shared.url
    run.ok("clock", "set", "2150-01-01", "--no-checks")  # 99y from here leaves 1970-2199
    try:
        line = refused(run, program, INVALID, "clock", "advance", duration)
    finally:
        run.ok("clock", "set", "2027-01-04", "--no-checks")
    assert len(line) < 300


@pytest.mark.parametrize("value", ["lots", "-5", "1e9", "٣"])
def test_a_malformed_evidence_byte_limit_names_the_variable(shared: Shared, value: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    run, program = shared.run, shared.url
    Path("proof.txt").write_text("evidence", encoding="utf-8")
    monkeypatch.setenv("AIMSFLOW_EVIDENCE_MAX_BYTES", value)
    line = refused(run, program, INVALID, "evidence", "add", PROGRAM, "proof.txt", "--control", "A.2.2", "--by", PM)
    assert "AIMSFLOW_EVIDENCE_MAX_BYTES" in line


@pytest.mark.parametrize(("name", "data", "words"), [
    ("latin1.yaml", "- name: Caf\xe9\n".encode("latin-1"), "byte 11 is 0xe9"),
    ("wide.csv", b"name,purpose,status,risk_level,owner,in_scope\n" + b"x" * 200_000 + b",p,planned,low,o,yes\n",
     "at most 10000 characters"),
    ("twice.csv", b"name,purpose,status,risk_level,owner,in_scope,name\na,p,planned,low,o,yes,b\n",
     "more than once"),
    ("list.yaml", f"- {{name: [a, b], purpose: p, status: planned, risk_level: low, owner: {OWNER}, "
                  "in_scope: yes}\n".encode(), "is a list"),
    ("deep.yaml", b"[" * 100_000 + b"]" * 100_000, ""),  # nested too deeply, or the parser's own limit
])
def test_a_broken_inventory_file_is_one_line_naming_the_file(shared: Shared, name: str, data: bytes,
                                                              words: str) -> None:
    run, program = shared.run, shared.url
    Path(name).write_bytes(data)
    line = refused(run, program, INVALID, "inventory", "import", PROGRAM, name)
    assert name in line and words in line, line


@pytest.mark.parametrize(("content", "words"), [
    (b"{" * 100_000, "not a JSON export"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (b"\xff\xfe", "not UTF-8"),
    (b"", "not a JSON export"),
])
def test_a_broken_export_file_is_one_line(shared: Shared, content: bytes | str, words: str) -> None:
    run, program = shared.run, shared.url
    Path("export.json").write_bytes(content.encode() if isinstance(content, str) else content)
    line = refused(run, program, INVALID, "import", "export.json")
    assert words in line, line


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=8)
FORMAT = "aimsflow-program-export/1"


def _well_shaped(shape: Any) -> bool:
    """An export's outline: what the values inside hold is the import's to check, not this test's."""
    return (isinstance(shape, dict) and shape.get("format") == FORMAT and isinstance(shape.get("program"), str)
            and isinstance(shape.get("tables"), dict)
            and all(isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
                    for rows in shape["tables"].values()))


EXPORT_SHAPES = st.one_of(
    JSON,
    st.fixed_dictionaries({"format": st.just(FORMAT)}, optional={"program": JSON, "tables": JSON}),
    st.fixed_dictionaries({"format": st.just(FORMAT), "program": JSON, "tables": st.dictionaries(
        st.sampled_from(["program", "person", "work_item"]),
        st.one_of(JSON, st.lists(st.one_of(st.lists(JSON), st.text(), st.integers()), min_size=1, max_size=2)),
        min_size=1, max_size=2)}),
).filter(lambda shape: not _well_shaped(shape))


@SETTINGS
@given(shape=EXPORT_SHAPES)
def test_an_export_of_the_wrong_shape_is_one_line(shared: Shared, shape: Any) -> None:
    Path("shape.json").write_text(json.dumps(shape), encoding="utf-8")
    line = refused(shared.run, shared.url, INVALID, "import", "shape.json")
    assert "shape.json" in line


@pytest.mark.parametrize(("url", "words"), [("mysql://nobody@127.0.0.1/x", "not a database aimsflow runs on"),
                                            ("oracle://scott@127.0.0.1/x", "not a database aimsflow runs on"),
                                            ("sqlite-nope://x", "not a database URL"),
                                            (":::not a url", "not a database URL")])
def test_an_unknown_scheme_or_a_broken_url_is_one_line(url: str, words: str, tmp_path: Path) -> None:
    outcome = subprocess_cli(clean_env(AIMSFLOW_DATABASE_URL=url), tmp_path, "program", "list")
    line = assert_clear_error(outcome)
    assert outcome.returncode == INVALID and words in line, outcome


def test_a_file_that_is_not_a_database_is_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 10)
    for args in (("program", "list"), ("status", PROGRAM), ("clock", "show")):
        outcome = subprocess_cli(clean_env(AIMSFLOW_DATABASE_URL=f"sqlite:///{path}"), tmp_path, *args)
        assert "not an aimsflow database" in assert_clear_error(outcome), outcome
    assert path.read_bytes() == b"these are my notes, not a database\n" * 10


def test_a_database_locked_longer_than_the_wait_is_one_line_for_reads_and_writes(run: Any, cli: Any,
                                                                                program: str) -> None:
    if not program.startswith("sqlite:///"):
        pytest.skip("SQLite's whole-database lock; PostgreSQL locks rows and is not held for a whole command")
    holder = sqlite3.connect(program.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        before = dump(program)
        outcomes = [subprocess_cli(cli.env, cli.cwd, *args) for args in
                    (("program", "list"), ("people", "add", PROGRAM, "Late Comer", "--role", "owner"))]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for outcome in outcomes:
        line = assert_clear_error(outcome)
        assert outcome.returncode == BUSY and "locked by another aimsflow command" in line, outcome
    assert_unchanged(before, dump(program))


# --- 6. read-only commands create nothing -------------------------------------------------------------


@pytest.mark.parametrize("args", [("status", PROGRAM), ("program", "list"), ("work", "list", PROGRAM),
                                  ("clock", "show"), ("db", "current")])
@pytest.mark.parametrize("what", ["missing", "empty"])
def test_a_command_other_than_init_creates_no_database(args: tuple[str, ...], what: str, tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    if what == "empty":
        path.touch()
    outcome = subprocess_cli(clean_env(AIMSFLOW_DATABASE_URL=f"sqlite:///{path}"), tmp_path, *args)
    line = assert_clear_error(outcome)
    assert outcome.returncode == NOT_FOUND and "no aimsflow database at" in line and "aimsflow init" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if what == "missing" else ["typo.db"])
    assert what == "missing" or path.stat().st_size == 0


def test_a_postgresql_database_without_aimsflow_tables_is_not_filled_by_a_read(postgres_url: str,
                                                                                tmp_path: Path) -> None:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.pool import NullPool

    outcome = subprocess_cli(clean_env(AIMSFLOW_DATABASE_URL=postgres_url), tmp_path, "status", PROGRAM)
    line = assert_clear_error(outcome)
    assert outcome.returncode == NOT_FOUND and "no aimsflow database at" in line and "password" not in line
    engine = create_engine(postgres_url, poolclass=NullPool)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


# --- 10. terminal and log injection -------------------------------------------------------------------

INVISIBLE = st.sampled_from(["\x1b]0;owned\x07", "\x1b[2J", "\nerror: forged", "\u202e", "\u200b", "\x00", "\r",
                             "\u2028", "\ufeff", "\u2066"])


@SETTINGS
@given(before=st.text(max_size=8), bad=INVISIBLE, after=st.text(max_size=8),
       command=st.sampled_from(["person", "program", "system"]))
def test_a_name_with_a_control_bidi_or_zero_width_character_is_refused(
        shared: Shared, before: str, bad: str, after: str, command: str) -> None:
    run, url = shared.run, shared.url
    name = f"Ada{before}{bad}{after}"
    if "\x00" in name or any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        name = name.replace("\x00", "\x01")  # a process argument cannot hold NUL: the next control instead
    if command == "person":
        args: tuple[str, ...] = ("people", "add", PROGRAM, name, "--role", "owner")
    elif command == "program":
        args = ("program", "create", name, "--scope", "s", "--start", "2027-01-04", "--key", "hostile")
    else:
        Path("s.yaml").write_text(json.dumps([{"name": name, "purpose": "p", "status": "planned", "risk_level": "low",
                                               "owner": OWNER, "in_scope": "yes"}]), encoding="utf-8")
        args = ("inventory", "import", PROGRAM, "s.yaml")
    line = refused(run, url, INVALID, *args)
    assert "\x1b" not in line and "\u202e" not in line and "\u200b" not in line


@pytest.mark.parametrize("lookalike", ["Pаt Manager", "Pat\u00a0Manager", "pat manager", "Pat  Manager",
                                       "Ｐａｔ Manager", "Pát Manager"])
def test_a_lookalike_of_an_existing_person_is_refused_as_confusable(shared: Shared,
                                                                   lookalike: str) -> None:
    run, url = shared.run, shared.url
    line = refused(run, url, CONFLICT, "people", "add", PROGRAM, lookalike, "--role", "owner")
    assert f"looks like the existing person '{PM}'" in line


def test_a_name_stored_raw_by_an_older_release_is_printed_escaped(shared: Shared) -> None:
    run, url = shared.run, shared.url
    run.ok("people", "add", PROGRAM, "Raw Name", "--role", "owner")
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE person SET name = ? WHERE name = 'Raw Name'", ("Raw\x1b[2J\nerror: forged\u202e",))
    try:
        out = run.ok("people", "list", PROGRAM).stdout
        assert "\x1b" not in out and "\u202e" not in out and "\nerror: forged" not in out
        assert "Raw\\x1b[2J\\nerror: forged\\u202e" in out
    finally:
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute("UPDATE person SET name = 'Raw Name' WHERE name LIKE 'Raw%'")


# --- 11. smaller --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "words"), [
    (("program", "create", "🙂", "--scope", "s", "--start", "2027-01-04"), "NAME: '🙂' has no letters or digits"),
    (("program", "settings", PROGRAM, "--reminder-days", "7,,1"), "is not a list of days"),
    (("program", "settings", PROGRAM, "--reminder-days", "²"), "is not a list of days"),
    (("program", "settings", PROGRAM, "--major-verification-days", "9" * 5000), "as an integer"),
    (("evidence", "add", PROGRAM, "proof.txt", "--control", "A.2.2", "--valid-for", "0d", "--by", PM),
     "no time at all"),
    (("people", "add", PROGRAM, "Zed", "--role", "x" * 100_000), "… (100000 characters)"),
])
def test_small_refusals_say_what_is_wrong_in_one_short_line(shared: Shared, args: tuple[str, ...],
                                                            words: str) -> None:
    run, program = shared.run, shared.url
    Path("proof.txt").write_text("evidence", encoding="utf-8")
    line = refused(run, program, INVALID, *args)
    assert words in line and len(line) < 400, line


@pytest.mark.parametrize("option", ["--major-verification-days", "--reminder-days", "--preparation-lead-days"])
@pytest.mark.parametrize("digits", ["٦٠", "６０", "²"])
def test_digits_other_than_0_to_9_are_refused_alike_by_every_number_option(shared: Shared, option: str,
                                                                           digits: str) -> None:
    line = refused(shared.run, shared.url, INVALID, "program", "settings", PROGRAM, option, digits)
    assert option in line


def test_100y_and_the_same_days_are_judged_alike(shared: Shared) -> None:
    run, program = shared.run, shared.url
    for name, duration in (("one.txt", "100y"), ("two.txt", "36525d")):
        Path(name).write_text(f"evidence valid for {duration}", encoding="utf-8")
        run.ok("evidence", "add", PROGRAM, name, "--control", "A.2.2", "--valid-for", duration, "--by", PM)
    for name, duration in (("three.txt", "101y"), ("four.txt", "36526d")):
        Path(name).write_text(f"evidence valid for {duration}", encoding="utf-8")
        line = refused(run, program, INVALID, "evidence", "add", PROGRAM, name, "--control", "A.2.2",
                       "--valid-for", duration, "--by", PM)
        assert "longer than 100 years" in line
