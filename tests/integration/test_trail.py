"""The trail is tamper-evident: `trail verify` names any event edited or deleted behind aimsflow's back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, Table, create_engine, delete, func, select, update
from sqlalchemy.pool import NullPool

from tests.integration.conftest import PROGRAM, Journey

TAMPERED_SEQ = 5


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A direct connection to the test database, the way someone with database access would edit it."""
    eng = create_engine(database_url, poolclass=NullPool)
    yield eng
    eng.dispose()


def event_table(engine: Engine) -> Table:
    return Table("event", MetaData(), autoload_with=engine)


def event_at(engine: Engine, seq: int) -> dict[str, Any]:
    events = event_table(engine)
    program = Table("program", MetaData(), autoload_with=engine)
    with engine.connect() as conn:
        pid = conn.execute(select(program.c.id).where(program.c.key == PROGRAM)).scalar_one()
        row = conn.execute(select(events).where(events.c.program_id == pid, events.c.seq == seq)).mappings().one()
    return dict(row)


@pytest.fixture
def trail(journey: Journey) -> Journey:
    """A program after a few commands, whose trail verifies."""
    journey.start()
    for item in journey.items(kind="clause_assessment")[:3]:
        journey.complete(item)
    verified = journey.run.ok("trail", "verify")
    assert "every chain intact" in verified.stdout
    return journey


def broken(cli: Any) -> str:
    """`trail verify` must fail; everything it said."""
    result = cli("trail", "verify")
    assert result.returncode != 0, f"trail verify missed the tampering:\n{result}"
    assert "Traceback" not in result.stderr, str(result)
    return str(result.stdout + result.stderr)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "Mallory"),
        ("payload", {"note": "approved", "evidence": [], "assessment": "conforms"}),
        ("to_state", "accepted"),
        ("row_ref", "WI-999"),
    ],
    ids=["actor", "payload", "to_state", "row_ref"],
)
def test_an_event_edited_in_the_database_is_named_by_trail_verify(
    cli: Any, trail: Journey, engine: Engine, column: str, value: Any
) -> None:
    victim = event_at(engine, TAMPERED_SEQ)
    assert victim[column] != value
    events = event_table(engine)
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.id == victim["id"]).values({column: value}))
    said = broken(cli)
    assert f"event {victim['id']} (#{TAMPERED_SEQ})" in said
    assert "edited" in said
    problems = trail.run("trail", "verify", "--json").json()["problems"]
    assert len(problems) == 1, problems  # only the edited event, not the ones chained after it


def test_an_event_deleted_from_the_middle_of_the_trail_is_found(cli: Any, trail: Journey, engine: Engine) -> None:
    victim = event_at(engine, TAMPERED_SEQ)
    events = event_table(engine)
    with engine.begin() as conn:
        conn.execute(delete(events).where(events.c.id == victim["id"]))
    said = broken(cli)
    assert f"#{TAMPERED_SEQ}" in said and "missing" in said


def test_the_last_event_deleted_from_the_trail_is_found(cli: Any, trail: Journey, engine: Engine) -> None:
    events = event_table(engine)
    with engine.begin() as conn:
        last = conn.execute(select(func.max(events.c.seq))).scalar_one()
        conn.execute(delete(events).where(events.c.seq == last))
    said = broken(cli)
    assert f"#{last}" in said


def test_an_edited_event_with_a_recomputed_hash_still_breaks_the_chain(
    cli: Any, trail: Journey, engine: Engine
) -> None:
    """Whoever rewrites an event's hash to match the edit breaks the link to the event after it."""
    victim = event_at(engine, TAMPERED_SEQ)
    events = event_table(engine)
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.id == victim["id"]).values(actor="Mallory", hash="f" * 64))
    said = broken(cli)
    following = event_at(engine, TAMPERED_SEQ + 1)
    assert f"event {following['id']} (#{TAMPERED_SEQ + 1})" in said
    assert "does not chain" in said


def test_work_after_a_clean_verification_keeps_the_trail_intact(cli: Any, trail: Journey) -> None:
    for item in trail.items(kind="clause_assessment")[:2]:
        trail.complete(item)
    result = cli.json("trail", "verify")  # a real process, as after any other command
    assert result["problems"] == [] and result["events"] > 40
