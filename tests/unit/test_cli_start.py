"""The command line answers at once: its help loads no database layer, no services and no Prefect.

`aimsflow --help` used to import Alembic, every model and every service before printing a line
(1.3 s on a 2-core machine against 0.25 s for a bare typer app). Each command now imports what it
uses when it runs; these tests read `sys.modules` of a fresh interpreter after the help was printed.
"""

from __future__ import annotations

import typer

from aimsflow.cli.app import PANELS, app
from tests.cli_imports import modules_loaded_by

# What the help must not load: the SQL layer, the migrations, the models, the use cases, Prefect.
HEAVY = ("sqlmodel", "sqlalchemy", "alembic", "prefect", "models", "aimsflow.services", "jinja2", "flows", "tasks")

def heavy_modules_after(*commands: list[str]) -> list[str]:
    return modules_loaded_by(HEAVY, *commands)


def command_paths() -> list[list[str]]:
    """Every command and group of the CLI, as the words a user types."""
    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_the_top_level_help_imports_no_models_services_sql_alembic_or_prefect() -> None:
    assert heavy_modules_after(["--help"]) == []


def test_the_help_of_every_command_imports_no_models_services_sql_alembic_or_prefect() -> None:
    paths = command_paths()
    assert len(paths) > 50
    assert heavy_modules_after(*([*path, "--help"] for path in paths)) == []


def test_the_runner_sees_a_heavy_import_when_there_is_one() -> None:
    # `report list` reads the report kinds, which live with their compilers (services and models).
    assert "models" in heavy_modules_after(["report", "list"])


def test_every_top_level_command_is_in_exactly_one_help_panel() -> None:
    listed = [name for names in PANELS.values() for name in names]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
