"""A database that cannot be reached: one clear line naming it, a non-zero exit, never a traceback.

Real `aimsflow` processes (started together, so the whole file costs a few seconds) against a
PostgreSQL URL on a closed port and a SQLite file in a folder that does not exist.
"""

from __future__ import annotations

from pathlib import Path

from tests.faults.conftest import assert_clear_error, clean_env, run_together

CLOSED_PORT = "postgresql://postgres@127.0.0.1:1/aimsflow"

EVERYDAY = (
    ("program", "list"),
    ("work", "complete", "WI-1", "--by", "Pat Manager", "--note", "done"),
    ("sweep",),
)
SCHEMA = (("init",), ("db", "upgrade"))


def _check(url: str, commands: tuple[tuple[str, ...], ...], folder: Path) -> None:
    outcomes = run_together(clean_env(AIMSFLOW_DATABASE_URL=url, AIMSFLOW_EVIDENCE_DIR=str(folder / "ev")),
                            folder, commands)
    problems = []
    for outcome in outcomes:
        try:
            line = assert_clear_error(outcome)
            assert "database" in line, f"the line does not say the database is the problem:\n{outcome}"
        except AssertionError as exc:
            problems.append(str(exc))
    assert not problems, "\n\n".join(problems)


def _missing_folder(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'no-such-folder' / 'deeper' / 'aimsflow.db'}"


def test_a_sqlite_file_in_a_missing_folder_gives_everyday_commands_one_clear_line(tmp_path: Path) -> None:
    _check(_missing_folder(tmp_path), EVERYDAY, tmp_path)
    assert not (tmp_path / "no-such-folder").exists(), "a failed open must not create the folder"


def test_a_sqlite_file_in_a_missing_folder_gives_init_and_upgrade_one_clear_line(tmp_path: Path) -> None:
    _check(_missing_folder(tmp_path), SCHEMA, tmp_path)


def test_a_closed_postgresql_port_gives_everyday_commands_one_clear_line(tmp_path: Path) -> None:
    _check(CLOSED_PORT, EVERYDAY, tmp_path)


def test_a_closed_postgresql_port_gives_init_and_upgrade_one_clear_line(tmp_path: Path) -> None:
    _check(CLOSED_PORT, SCHEMA, tmp_path)

