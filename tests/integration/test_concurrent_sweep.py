"""Two deadline sweeps of one program at the same time: every due item is reminded or escalated once.

The sweep claims its rows with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL (a second sweeper
skips what the first holds) and takes the program's trail head in turn; on SQLite BEGIN IMMEDIATE
lets one sweeper write at a time and the second finds the work done. Either way both sweeps succeed
and nothing is sent twice.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from aimsflow import clock
from aimsflow.services import people, programs, work
from aimsflow.services.deadlines import sweep_deadlines
from aimsflow.services.lookup import get_program
from aimsflow.trail import verify_trail
from aimsflow.uow import unit_of_work
from models.db import create_tables, engine_for

TODAY = date(2027, 6, 15)
# Days from today to each item's due date: within the reminder window, just late, late enough for
# the program manager, late enough for top management, and not due yet.
OFFSETS = (0, 1, 5, -1, -2, -4, -8, -11, -14, 30)
ITEMS = 120


def _build(url: str) -> str:
    engine = engine_for(url)
    create_tables(engine)
    with unit_of_work(engine) as uow:
        clock.set_simulated(uow.session, clock.at_noon(TODAY - timedelta(days=40)))
    with unit_of_work(engine) as uow:
        key = programs.create_program(uow, name="Sweep Race", scope="two sweepers", start=TODAY - timedelta(days=40))
    with unit_of_work(engine) as uow:
        program = get_program(uow.session, key)
        people.add_person(uow, program, name="Pat", roles=["program-manager"])
        people.add_person(uow, program, name="Tess", roles=["top-management"])
        people.add_person(uow, program, name="Olu", roles=["owner"])
    with unit_of_work(engine) as uow:
        program = get_program(uow.session, key)
        for i in range(ITEMS):
            work.open_item(uow, program, key=f"race:{i}", kind="deliverable", subject=f"s{i}", title=f"Item {i}",
                           role="owner", due=TODAY + timedelta(days=OFFSETS[i % len(OFFSETS)]), phase=None,
                           actor="test")
        clock.set_simulated(uow.session, clock.at_noon(TODAY))
    return key


def _sweep_twice_at_once(url: str, key: str) -> list[Any]:
    engine = engine_for(url)
    start = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def sweep(slot: int) -> None:
        start.wait()
        try:
            with unit_of_work(engine) as uow:
                outcomes[slot] = sweep_deadlines(uow, get_program(uow.session, key)).as_dict()
        except Exception as exc:
            outcomes[slot] = exc

    threads = [threading.Thread(target=sweep, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def _rows(url: str, sql: str) -> list[Any]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql)).all())
    finally:
        engine.dispose()


def test_two_sweeps_at_once_remind_and_escalate_each_due_item_exactly_once(database_url: str) -> None:
    key = _build(database_url)
    outcomes = _sweep_twice_at_once(database_url, key)

    assert all(isinstance(o, dict) for o in outcomes), f"both sweeps must succeed: {outcomes}"
    for kind in ("reminders", "overdue", "escalations"):
        first, second = outcomes[0][kind], outcomes[1][kind]
        assert not set(first) & set(second), f"both sweepers handled the same items ({kind})"

    keys = Counter(k for (k,) in _rows(database_url, "SELECT dedup_key FROM notification"))
    assert keys and max(keys.values()) == 1
    race_items = {f"WI-{i}": OFFSETS[n % len(OFFSETS)] for n, (i,) in enumerate(
        _rows(database_url, "SELECT id FROM work_item WHERE key LIKE 'race:%' ORDER BY id"))}
    events = Counter((ref, trigger) for ref, trigger in _rows(database_url, "SELECT row_ref, trigger FROM event"))
    for ref, offset in race_items.items():
        reminded, overdue, escalated = (events[(ref, t)] for t in ("remind", "mark_overdue", "escalate"))
        assert reminded == (1 if 0 <= offset <= 7 else 0), (ref, offset, reminded)
        assert overdue == (1 if offset < 0 else 0), (ref, offset, overdue)
        # Past both thresholds at the first sweep: the program manager, then top management (once each).
        assert escalated == (2 if offset <= -10 else 1 if offset <= -3 else 0), (ref, offset, escalated)
    reminders = {k for k in keys if k.startswith("remind:")}
    assert len(reminders) >= sum(1 for o in race_items.values() if 0 <= o <= 7)

    with unit_of_work(engine_for(database_url)) as uow:
        checked, problems = verify_trail(uow.session)
    assert checked > 0 and problems == []


def test_a_sweep_skips_the_items_another_sweeper_holds_and_the_next_sweep_takes_them(postgres_url: str) -> None:
    # PostgreSQL only: SQLite lets one writer in at a time (BEGIN IMMEDIATE), so no rows are ever held.
    database_url = postgres_url
    key = _build(database_url)
    ids = [i for (i,) in _rows(database_url, "SELECT id FROM work_item WHERE key LIKE 'race:%' ORDER BY id")]
    held = ids[: len(ids) // 2]
    other = create_engine(database_url, poolclass=NullPool)
    try:
        with other.connect() as sweeper_a:  # another sweeper, mid-way: it holds half the items
            sweeper_a.execute(text("SELECT id FROM work_item WHERE id = ANY(:ids) FOR UPDATE"), {"ids": held})
            with unit_of_work(engine_for(database_url)) as uow:
                second = sweep_deadlines(uow, get_program(uow.session, key)).as_dict()
            sweeper_a.rollback()  # it gives up (or dies) without writing
    finally:
        other.dispose()
    with unit_of_work(engine_for(database_url)) as uow:
        third = sweep_deadlines(uow, get_program(uow.session, key)).as_dict()

    swept_by_second = {r.split("->")[0] for k in ("reminders", "overdue", "escalations") for r in second[k]}
    assert swept_by_second and not swept_by_second & {f"WI-{i}" for i in held}
    events = Counter((ref, trigger) for ref, trigger in _rows(database_url, "SELECT row_ref, trigger FROM event"))
    for n, item_id in enumerate(ids):
        offset = OFFSETS[n % len(OFFSETS)]
        ref = f"WI-{item_id}"
        assert events[(ref, "remind")] == (1 if 0 <= offset <= 7 else 0), (ref, offset)
        # Past both thresholds (3 and 10 days late) the PM's escalation and then top management's, once each.
        assert events[(ref, "escalate")] == (2 if offset <= -10 else 1 if offset <= -3 else 0), (ref, offset)
    assert third["reminders"] or third["overdue"], "the next sweep takes the items that were held"
    with unit_of_work(engine_for(database_url)) as uow:
        assert verify_trail(uow.session)[1] == []
