"""The database engine: SQLite file by default, any SQLAlchemy URL through AIMSFLOW_DATABASE_URL."""

import os
from functools import cache
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import SQLModel, create_engine

DEFAULT_URL = "sqlite:///./aimsflow.db"


def database_url() -> str:
    url = os.environ.get("AIMSFLOW_DATABASE_URL") or DEFAULT_URL
    # A bare postgresql:// URL means psycopg 3 (SQLAlchemy 2.1's default driver for it).
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is off so that our BEGIN IMMEDIATE is the one that
    # runs (the SQLAlchemy documentation's recipe for SQLite transactions).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers work beside one writer; synchronous=FULL keeps every commit on disk
    # after power loss, which an audit trail needs; busy_timeout waits for the writer's lock.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN so two writers serialize instead of failing at commit. Straight on
    # the driver's connection: SQLAlchemy's statement machinery would cost more than the BEGIN itself.
    conn.connection.driver_connection.execute("BEGIN IMMEDIATE")


@cache
def engine_for(url: str) -> Engine:
    """One engine (and connection pool) per database URL for the life of the process."""
    engine = _new_engine(url)
    _engines.append(engine)
    return engine


_engines: list[Engine] = []


def dispose_all() -> None:
    """Close every pooled connection (the end of a test session, or of a long-lived worker)."""
    for engine in _engines:
        engine.dispose()


def _new_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(eng, "connect", _sqlite_pragmas)
        event.listen(eng, "begin", _sqlite_begin_immediate)
        return eng
    return create_engine(url, pool_pre_ping=True)


def get_engine() -> Engine:
    return engine_for(database_url())


def create_tables(engine: Engine) -> None:
    import models  # noqa: F401  (registers every table on the metadata)

    SQLModel.metadata.create_all(engine)
