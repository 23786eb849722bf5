"""A read command imports only what it reads with: no Alembic, no Prefect, no templates."""

from __future__ import annotations

from tests.cli_imports import modules_loaded_by
from tests.conftest import Cli

NOT_FOR_READING = ("alembic", "prefect", "jinja2", "flows", "tasks", "httpx")


def test_status_and_work_list_on_a_ready_database_import_no_alembic_prefect_or_templates(run: Cli, cli: Cli) -> None:
    run.ok("program", "create", "Acme Analytics", "--scope", "claims triage", "--start", "2026-01-05",
           "--key", "acme")
    for command in (["status", "acme"], ["work", "list", "acme"], ["review", "list", "acme", "--json"]):
        assert modules_loaded_by(NOT_FOR_READING, command, env=cli.env, cwd=cli.cwd) == [], command
    # The probe sees them when a command does load them: init migrates a new database with Alembic.
    fresh = {**cli.env, "AIMSFLOW_DATABASE_URL": f"sqlite:///{cli.cwd / 'fresh.db'}"}
    assert "alembic" in modules_loaded_by(NOT_FOR_READING, ["init"], env=fresh, cwd=cli.cwd)
