"""Lean row writes for hot lifecycle steps: Core statements in the unit of work's own transaction.

The ORM's unit of work costs more than the statements it sends; a step that changes two known
columns of one row does not need it. These helpers make the same optimistic check the ORM's
`version_id_col` makes (UPDATE ... WHERE id = ? AND version = ?, one row or StaleDataError, which
the unit of work reports as a Conflict), and expire any ORM copy of the row the session holds, so
ORM code later in the same unit of work reads the new values.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.dml import Insert, Update
from sqlmodel import SQLModel

_CONNECTION = "aimsflow.connection"


def connection_of(session: Session) -> Connection:
    """The connection of the session's transaction, looked up once per transaction.

    `Session.connection()` walks the session's transaction state machine on every call, which costs
    as much as a short statement; hot paths ask many times per step.
    """
    connection: Connection | None = session.info.get(_CONNECTION)
    if connection is None or connection.closed or not connection.in_transaction():
        connection = session.info[_CONNECTION] = session.connection()
    return connection


_updates: dict[tuple[str, tuple[str, ...]], Update] = {}
_inserts: dict[str, Insert] = {}


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel class."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _versioned_update(table: Table, columns: tuple[str, ...]) -> Update:
    key = (table.name, columns)
    statement = _updates.get(key)
    if statement is None:
        statement = _updates[key] = (
            update(table)
            .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
            .values({**{c: bindparam(c) for c in columns}, "version": bindparam("_next_version")})
        )
    return statement


def update_versioned(session: Session, model: type[SQLModel], row_id: int, version: int,
                     values: dict[str, Any]) -> int:
    """Write `values` to one row if it is still at `version`; returns the row's new version."""
    columns = tuple(sorted(values))
    params = {**values, "_id": row_id, "_version": version, "_next_version": version + 1}
    result = connection_of(session).execute(_versioned_update(table_of(model), columns), params)
    if result.rowcount != 1:
        raise StaleDataError(f"{model.__name__} {row_id} changed under this transaction (version {version})")
    forget(session, model, row_id)
    return version + 1


def update_versioned_many(session: Session, model: type[SQLModel],
                          changes: list[tuple[int, int, dict[str, Any]]]) -> None:
    """Write many rows (id, version, values) with one statement per set of columns; all or StaleDataError."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, version, values in changes:
        groups.setdefault(tuple(sorted(values)), []).append(
            {**values, "_id": row_id, "_version": version, "_next_version": version + 1})
    connection = connection_of(session)
    table = table_of(model)
    for columns, params in groups.items():
        statement = _versioned_update(table, columns)
        if connection.dialect.supports_sane_multi_rowcount:
            written = connection.execute(statement, params).rowcount
        else:  # the driver cannot count an executemany: one statement a row, each counted
            written = sum(connection.execute(statement, p).rowcount for p in params)
        if written != len(params):
            raise StaleDataError(f"{model.__name__}: {len(params) - written} of {len(params)} rows changed "
                                 "under this transaction")
    for row_id, _version, _values in changes:
        forget(session, model, row_id)


def insert_row(session: Session, model: type[SQLModel], values: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Insert one or many rows (a list of dicts is one executemany) through Core."""
    table = table_of(model)
    statement = _inserts.get(table.name)
    if statement is None:
        statement = _inserts[table.name] = insert(table)
    connection_of(session).execute(statement, values)


def forget(session: Session, model: type[SQLModel], row_id: int) -> None:
    """Expire the session's ORM copy of a row (if it holds one) after a Core write to it."""
    row = session.identity_map.get(identity_key(model, row_id))
    if row is not None:
        session.expire(row)
