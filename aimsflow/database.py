"""The database a user named, opened without creating it, and its failures as one line each.

Only `aimsflow init` (and `db upgrade`, and the demo's own database) create tables. Every other
command opens what is there: a missing SQLite file, an empty file, a file that is not SQLite or a
server database without aimsflow's tables is refused, naming it and how to make one. A driver's
error becomes an AimsflowError here, in this one place: the unit of work and the command line
both ask `from_database_error`.
"""

from __future__ import annotations

import os

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, DataError, IntegrityError, NoSuchModuleError

from aimsflow.errors import AimsflowError, Busy, Conflict, InvalidInput, NotFound
from aimsflow.limits import clip
from models.db import database_url, get_engine

BACKENDS = ("sqlite", "postgresql")
LOCK_WAIT_SECONDS = 10  # models/db.py's busy_timeout


def parsed_url(url: str | None = None) -> URL:
    """The database URL parsed, or InvalidInput naming AIMSFLOW_DATABASE_URL and what it should look like."""
    text = url or database_url()
    try:
        parsed = make_url(text)
    except (ArgumentError, ValueError):
        raise InvalidInput(f"AIMSFLOW_DATABASE_URL {clip(text)!r} is not a database URL (sqlite:///FILE or "
                           "postgresql://USER@HOST/DATABASE)") from None
    if parsed.get_backend_name() not in BACKENDS:
        raise InvalidInput(f"AIMSFLOW_DATABASE_URL: {clip(parsed.get_backend_name())!r} is not a database aimsflow "
                           f"runs on ({', '.join(BACKENDS)})")
    return parsed


def shown(url: str | None = None) -> str:
    """The database as a message names it: the SQLite file, or the URL without its password."""
    try:
        parsed = make_url(url or database_url())
    except (ArgumentError, ValueError):
        return clip(url or database_url())
    if parsed.get_backend_name() == "sqlite":
        return clip(parsed.database or ":memory:", 200)
    return clip(parsed.render_as_string(hide_password=True), 200)


def require_database() -> None:
    """Open the configured database as it is; NotFound when it holds no aimsflow tables (nothing is created)."""
    parsed = parsed_url()
    where = shown()
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = str(parsed.database)
        if path.startswith("file:"):
            path = path[5:].split("?", 1)[0]
        if not os.path.exists(path):
            raise NotFound(f"no aimsflow database at {where}", hint="init_database")
        if os.path.isfile(path) and os.path.getsize(path) == 0:
            raise NotFound(f"no aimsflow database at {where} (an empty file)", hint="init_database")
    try:
        ready = inspect(get_engine()).has_table("event")
    except (DatabaseError, NoSuchModuleError, ArgumentError) as exc:
        raise from_database_error(exc) from None
    if not ready:
        raise NotFound(f"no aimsflow database at {where} (no aimsflow tables there)", hint="init_database")


def driver_errors() -> tuple[type[Exception], ...]:
    """The drivers' own error classes (a statement run on the driver's connection, such as SQLite's BEGIN
    IMMEDIATE, raises them unwrapped)."""
    import sqlite3
    import sys

    errors: list[type[Exception]] = [sqlite3.Error]
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None:
        errors.append(psycopg.Error)
    return tuple(errors)


def is_bug(exc: BaseException) -> bool:
    """SQL that is wrong (a programming error, an internal or unsupported one): ours to fix, not the user's."""
    import sqlite3

    from sqlalchemy.exc import InternalError, NotSupportedError, ProgrammingError

    return isinstance(exc, (ProgrammingError, InternalError, NotSupportedError, sqlite3.ProgrammingError,
                            sqlite3.InternalError, sqlite3.NotSupportedError))


def _first_line(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return clip(lines[0] if lines else type(exc).__name__, 200)


def from_database_error(exc: BaseException) -> AimsflowError:
    """A driver's error as the one line a user reads: what and where, never the SQL."""
    first = _first_line(exc)
    tail = "; nothing was saved"
    low = first.lower()
    if isinstance(exc, (NoSuchModuleError, ArgumentError)):
        try:
            parsed_url()
        except InvalidInput as bad:
            return bad
        return AimsflowError(f"cannot open the database {shown()}: {first}")
    if "database is locked" in low or "lock timeout" in low or "could not obtain lock" in low:
        return Busy(f"the database {shown()} is locked by another aimsflow command (waited {LOCK_WAIT_SECONDS} "
                    f"seconds){tail}; try again")
    if "file is not a database" in low or "file is encrypted" in low:
        return InvalidInput(f"{shown()} is not an aimsflow database (not a SQLite file)")
    if isinstance(exc, IntegrityError):
        if "unique" in low or "duplicate" in low:
            return Conflict(f"the change conflicts with a record that already exists ({first}){tail}")
        if "not null" in low or "null value" in low:
            return InvalidInput(f"a required value is missing ({first}){tail}")
        if "foreign key" in low:
            return InvalidInput(f"a reference names a record that does not exist ({first}){tail}")
        return InvalidInput(f"a value breaks a rule of the database ({first}){tail}")
    if isinstance(exc, DataError):
        return InvalidInput(f"a value is out of the database's range ({first}){tail}")
    if "unable to open" in low or "connection" in low or "could not connect" in low:
        return AimsflowError(f"cannot open the database {shown()}: {first}")
    return AimsflowError(f"database error: {first}{tail}")
