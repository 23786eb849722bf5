"""Running the schema migrations: `aimsflow db upgrade`, and `aimsflow init` before loading the catalog."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from models.db import database_url, engine_for

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return config


FIRST_RELEASE = "0001"


def upgrade(url: str | None = None, revision: str = "head") -> str | None:
    """Bring the database to `revision`; returns the revision it is at afterwards."""
    url = url or database_url()
    config = alembic_config(url)
    with engine_for(url).connect() as connection:
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "program" in tables and "alembic_version" not in tables:
            # A database made before migrations existed has the first release's tables: mark it so.
            command.stamp(config, FIRST_RELEASE)
        command.upgrade(config, revision)
        connection.commit()
    return current_revision(url)


def current_revision(url: str | None = None) -> str | None:
    with engine_for(url or database_url()).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
