"""Alembic environment: the models' metadata, the URL handed in by aimsflow.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from models.db import engine_for

        with engine_for(str(config.get_main_option("sqlalchemy.url"))).connect() as own:
            _run(own)
            own.commit()
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    # Batch mode lets SQLite alter tables (it copies them); PostgreSQL alters in place.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
