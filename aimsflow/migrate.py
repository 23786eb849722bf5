"""Running the schema migrations: `aimsflow db upgrade`, and `aimsflow init` before loading the catalog."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, inspect
from sqlmodel import SQLModel

from aimsflow.errors import InvalidInput, Refused
from models.db import create_tables, database_url, engine_for

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    return config


FIRST_RELEASE = "0001"


def upgrade(url: str | None = None, revision: str = "head", *, allow_downgrade: bool = False) -> str | None:
    """Bring the database to `revision`; returns the revision it is at afterwards.

    A database without a stamp is stamped first: with the newest revision when its tables are
    already the models' (made by `create_database`, e.g. an older demo), else with the first
    release's. Going to an older revision undoes migrations and can drop data: refused unless
    `allow_downgrade`.
    """
    url = url or database_url()
    config = alembic_config(url)
    script = ScriptDirectory.from_config(config)
    with engine_for(url).connect() as connection:
        config.attributes["connection"] = connection
        current = MigrationContext.configure(connection).get_current_revision()
        if current is None and "program" in set(inspect(connection).get_table_names()):
            current = str(script.get_current_head()) if not _differences(connection) else FIRST_RELEASE
            command.stamp(config, current)
        order = _order(script)
        if current is not None and current not in order:
            raise Refused(f"the database is at revision {current}, which this release does not know (newest: "
                          f"{order[-1]}): it was made by a newer aimsflow; nothing was changed")
        target = _target(script, revision, current, order)
        if order.index(target) < order.index(current):
            if not allow_downgrade:
                raise Refused(f"the database is at revision {current} and {target or 'base'} is older: going back "
                              "undoes migrations and can drop columns and rows; nothing was changed (allow the "
                              "downgrade to do it anyway)", field="allow_downgrade")
            command.downgrade(config, target or "base")
        else:
            command.upgrade(config, target or "base")
        connection.commit()
    return current_revision(url)


def _order(script: ScriptDirectory) -> list[str | None]:
    """The revisions from base (None) to the newest, in the order they apply."""
    return [None, *reversed([r.revision for r in script.walk_revisions()])]


def _target(script: ScriptDirectory, revision: str, current: str | None, order: list[str | None]) -> str | None:
    """The revision id `revision` names ("head", "base", an id or its prefix, or a step such as -1)."""
    text = revision
    if text in ("head", "heads"):
        return order[-1]
    if text == "base":
        return None
    if text[:1] in "+-" and text[1:].isdigit():
        index = order.index(current) + int(text)
        if not 0 <= index < len(order):
            raise InvalidInput(f"revision {revision[:40]!r}: there are only {len(order) - 1} revisions",
                               field="revision")
        return order[index]
    try:
        found = script.get_revision(text)
    except (CommandError, ResolutionError):
        found = None
    if found is None:
        known = ", ".join(str(r) for r in order[1:])
        raise InvalidInput(f"{revision[:40]!r} is not a revision (one of head, base, {known})", field="revision")
    return str(found.revision)


def _differences(connection: Connection) -> list[object]:
    """How the database's tables differ from the models' (empty: they are the newest schema)."""
    import models  # noqa: F401  (registers every table)

    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def create_database(engine: Engine) -> None:
    """Create the models' tables on an empty database and stamp it with the newest revision.

    The quick way to a new database (the demo, tests): `upgrade` later knows what it holds.
    """
    url = engine.url.render_as_string(hide_password=False)
    create_tables(engine)
    config = alembic_config(url)
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.stamp(config, "head")
        connection.commit()


def current_revision(url: str | None = None) -> str | None:
    with engine_for(url or database_url()).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
