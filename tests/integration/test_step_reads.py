"""A hot step reads its aggregate, its program's trail head and the clock in one statement, then writes.

The unit of work runs the step's load query (`UnitOfWork.load_step`) with the trail head and the
clock setting joined in, and keeps both: a second read of either would be a statement more on the
hot path. On PostgreSQL the head is read once more, FOR UPDATE, so two writers of one program's
trail take turns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import Engine, event

from aimsflow.services import audits, completion, findings, nonconformities, people, programs, work
from aimsflow.services.catalog import load_into
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from models.db import create_tables, engine_for


def _program_with_an_nc_and_an_item(engine: Engine) -> tuple[str, str]:
    create_tables(engine)
    with unit_of_work(engine) as uow:
        load_into(uow.session)
        key = programs.create_program(uow, name="Reads", scope="reads", start=date(2027, 1, 4))
    with unit_of_work(engine) as uow:
        program = get_program(uow.session, key)
        people.add_person(uow, program, name="Olu", roles=["owner"])
        people.add_person(uow, program, name="Ines", roles=["internal-auditor"])
    with unit_of_work(engine) as uow:
        program = get_program(uow.session, key)
        audit = audits.schedule_audit(uow, program, "internal", on=date(2027, 2, 1), auditors=["Ines"], scope=["9.1"])
        nc: str = findings.add_finding(uow, audit, severity="minor", ref_id="9.1", text="no review")["nonconformity"]
        item = work.open_item(uow, program, key="reads:1", kind="deliverable", subject="a deliverable",
                              title="A deliverable", role="owner", due=date(2027, 3, 1), phase=None, actor="test")
    assert item is not None
    return nc, item


@contextmanager
def _reads(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_a_nonconformity_step_and_a_completion_each_read_in_one_statement(database_url: str) -> None:
    engine = engine_for(database_url)
    nc, item = _program_with_an_nc_and_an_item(engine)
    expected = 2 if engine.dialect.name == "postgresql" else 1  # + the head FOR UPDATE on PostgreSQL
    with _reads(engine) as seen, unit_of_work(engine) as uow:
        result = nonconformities.advance_nonconformity(uow, nc, "correct", by="Olu", note="contained")
    assert result["state"] != "raised"
    assert len(seen) == expected, seen
    with _reads(engine) as seen, unit_of_work(engine) as uow:
        view = completion.complete_work(uow, item, by="Olu", note="done")
    assert view["state"] == "accepted"
    assert len(seen) == expected, seen
