"""Two processes complete the same work item at the same instant: exactly one wins, the other changes nothing.

Both are real `aimsflow work complete` processes, released together after their imports, on one
SQLite file and on PostgreSQL. On SQLite BEGIN IMMEDIATE serializes them and the second finds the
item done; on PostgreSQL the version column (or the trail's unique sequence) stops the second.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.faults.conftest import PROGRAM, assert_clear_error, first_item, run_together

ROUNDS = 1  # each round costs two interpreter start-ups; raise it to hunt a rarer interleaving


def _events(url: str, row_ref: str) -> Counter[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return Counter(conn.execute(text("SELECT trigger FROM event WHERE row_ref = :r"), {"r": row_ref}).scalars())
    finally:
        engine.dispose()


def _event_total(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM event")).scalar_one())
    finally:
        engine.dispose()


def test_two_processes_completing_the_same_item_at_once_one_wins_and_the_other_changes_nothing(
    started: Any, cli_env: dict[str, str], database_url: str, tmp_path: Path
) -> None:
    run = started
    items: list[dict[str, Any]] = run.json("work", "list", PROGRAM)
    # Different kinds of item, each raced by its assignee from two processes.
    targets = [first_item(run, "deliverable"), next(i for i in items if i["kind"] == "clause_assessment")][:ROUNDS]
    for round_, item in enumerate(targets):
        extra = ["--assessment", "partial"] if item["kind"] == "clause_assessment" else []
        command = ["work", "complete", item["id"], "--by", item["assignee"], "--note", "partial: done twice?",
                   *extra]
        events_before = _event_total(database_url)
        outcomes = run_together(cli_env, tmp_path / f"race-{round_}", [command, command])

        winners = [o for o in outcomes if o.returncode == 0]
        losers = [o for o in outcomes if o.returncode != 0]
        assert len(winners) == 1, "exactly one process must succeed:\n" + "\n".join(map(str, outcomes))
        line = assert_clear_error(losers[0])
        assert line.startswith("error:") and (item["id"] in line or "someone else" in line), line

        triggers = _events(database_url, item["id"])
        assert triggers["submit"] == 1 and triggers["accept"] == 1, f"{item['id']} events: {dict(triggers)}"
        added = _event_total(database_url) - events_before
        assert added == 2, f"the loser wrote something: {added} events were added for one completion"
        done = next(i for i in run.json("work", "list", PROGRAM) if i["id"] == item["id"])
        assert done["state"] == "accepted"
    run.ok("trail", "verify")
