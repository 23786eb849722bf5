"""The tamper-evident trail, in memory: verify_chain finds every edited, deleted, moved or inserted event."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aimsflow.trail import GENESIS, TrailProblem, canonical_payload, event_hash, verify_chain
from models import Event

KEY = "merlion-insurance"
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Step:
    row_ref: str
    from_state: str | None
    to_state: str | None
    trigger: str
    payload: dict[str, Any]


STEPS = (
    Step("program", None, "gap_analysis", "create", {"scope": "claims triage"}),
    Step("WI-1", "open", "in_progress", "start", {}),
    Step("WI-1", "in_progress", "submitted", "submit", {"note": "inventory of 12 systems"}),
    Step("WI-1", "submitted", "accepted", "accept", {"by": "Ana"}),
    Step("program", "gap_analysis", "foundation_building", "advance", {"waived": []}),
)


def hashed(key: str, seq: int, at: datetime, step: Step, prev: str, *, event_id: int,
           actor: str = "ana") -> Event:
    """An event as trail.Chain.append writes it: canonical payload, hash over the previous hash."""
    body = canonical_payload(step.payload)
    digest = event_hash(key, seq, at, actor, "work_item", step.row_ref, step.from_state, step.to_state,
                        step.trigger, body, prev)
    return Event(id=event_id, program_id=1, seq=seq, at=at, actor=actor, lifecycle="work_item",
                 row_ref=step.row_ref, from_state=step.from_state, to_state=step.to_state,
                 trigger=step.trigger, payload=body, prev_hash=prev, hash=digest)


def chain(steps: tuple[Step, ...] = STEPS, key: str = KEY) -> list[Event]:
    events: list[Event] = []
    prev = GENESIS
    for seq, step in enumerate(steps, start=1):
        event = hashed(key, seq, START + timedelta(hours=seq), step, prev, event_id=100 + seq)
        events.append(event)
        prev = event.hash
    return events


def by_seq(events: list[Event], seq: int) -> Event:
    return next(e for e in events if e.seq == seq)


def named(problems: list[TrailProblem]) -> set[int | None]:
    return {p.event_id for p in problems}


# --- an intact chain ---------------------------------------------------------------------------


def test_an_intact_chain_has_no_problems() -> None:
    assert verify_chain(KEY, chain()) == []


def test_an_empty_chain_has_no_problems() -> None:
    assert verify_chain(KEY, []) == []


def test_the_first_event_chains_to_the_genesis_hash_and_each_next_to_the_one_before() -> None:
    events = chain()
    assert events[0].prev_hash == GENESIS == "0" * 64
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(events))
    assert len({e.hash for e in events}) == len(events)


def test_rows_read_back_in_any_order_still_verify() -> None:
    events = chain()
    assert verify_chain(KEY, list(reversed(events))) == []
    assert verify_chain(KEY, [events[2], events[0], events[4], events[1], events[3]]) == []


def test_a_timestamp_read_back_without_its_offset_still_verifies() -> None:
    # SQLite hands back timestamps naive; they were stored as UTC.
    events = chain()
    for e in events:
        e.at = e.at.astimezone(UTC).replace(tzinfo=None)
    assert verify_chain(KEY, events) == []


def test_the_same_instant_in_another_offset_still_verifies() -> None:
    events = chain()
    events[1].at = events[1].at.astimezone(ZoneInfo("Asia/Singapore"))
    assert verify_chain(KEY, events) == []


def test_a_payload_with_dates_verifies_after_a_json_round_trip() -> None:
    step = Step("WI-2", "open", "submitted", "submit", {"due": date(2027, 8, 10), "files": ["a.pdf"], "n": 2})
    events = chain((*STEPS, step))
    last = events[-1]
    assert last.payload == {"due": "2027-08-10", "files": ["a.pdf"], "n": 2}
    last.payload = json.loads(json.dumps(last.payload))  # as a JSON column hands it back
    assert verify_chain(KEY, events) == []


def test_the_hash_depends_on_every_field() -> None:
    args: dict[str, Any] = dict(program_key=KEY, seq=3, at=START, actor="ana", lifecycle="work_item",
                                row_ref="WI-1", from_state="open", to_state="submitted", trigger="submit",
                                payload={"note": "x"}, prev_hash=GENESIS)
    base = event_hash(**args)
    changes: dict[str, Any] = dict(program_key="other", seq=4, at=START + timedelta(microseconds=1),
                                   actor="ben", lifecycle="evidence", row_ref="WI-2", from_state=None,
                                   to_state="accepted", trigger="accept", payload={"note": "y"},
                                   prev_hash="f" * 64)
    for field, value in changes.items():
        assert event_hash(**{**args, field: value}) != base, field


# --- edited events -----------------------------------------------------------------------------


def test_an_edited_payload_is_reported_naming_that_event() -> None:
    events = chain()
    by_seq(events, 3).payload = {"note": "inventory of 11 systems"}
    problems = verify_chain(KEY, events)
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.program, problem.event_id, problem.seq) == (KEY, 103, 3)
    assert "edited" in problem.problem
    assert str(problem).startswith(f"{KEY}: event 103 (#3): ")


@pytest.mark.parametrize(("field", "value"), [
    ("actor", "mallory"),
    ("at", START + timedelta(days=30)),
    ("row_ref", "WI-9"),
    ("from_state", "rejected"),
    ("to_state", "rejected"),
    ("trigger", "reject"),
    ("lifecycle", "evidence"),
])
def test_an_edit_to_any_recorded_field_is_reported_naming_that_event(field: str, value: object) -> None:
    events = chain()
    setattr(by_seq(events, 4), field, value)
    problems = verify_chain(KEY, events)
    assert named(problems) == {104}
    assert all("edited" in p.problem for p in problems)


def test_an_edited_event_with_a_recomputed_hash_breaks_the_link_to_the_next_one() -> None:
    events = chain()
    forged_step = Step("WI-1", "submitted", "accepted", "accept", {"by": "Mallory"})
    forged = hashed(KEY, 4, by_seq(events, 4).at, forged_step, by_seq(events, 3).hash, event_id=104)
    events[3] = forged
    problems = verify_chain(KEY, events)
    assert named(problems) == {105}
    assert "does not chain" in problems[0].problem


def test_an_edited_stored_hash_is_reported() -> None:
    events = chain()
    by_seq(events, 2).hash = "e" * 64
    problems = verify_chain(KEY, events)
    assert 102 in named(problems)  # its content no longer matches
    assert 103 in named(problems)  # and the next one no longer chains to it


def test_every_edited_event_is_reported_not_only_the_first() -> None:
    events = chain()
    by_seq(events, 2).payload = {"x": 1}
    by_seq(events, 5).payload = {"waived": ["committee lacks: hr"]}
    assert named(verify_chain(KEY, events)) == {102, 105}


def test_a_chain_verified_under_another_program_key_fails_everywhere() -> None:
    problems = verify_chain("other-program", chain())
    assert named(problems) == {101, 102, 103, 104, 105}


# --- deleted events ----------------------------------------------------------------------------


def test_a_deleted_middle_event_is_reported_as_missing() -> None:
    events = [e for e in chain() if e.seq != 3]
    problems = verify_chain(KEY, events)
    missing = [p for p in problems if "missing" in p.problem]
    assert len(missing) == 1
    assert missing[0].seq == 3
    assert "event 104 (#4)" in missing[0].problem
    assert str(missing[0]).startswith(f"{KEY}: #3: ")
    # and the event after the gap no longer chains to the one before it
    assert any(p.event_id == 104 and "does not chain" in p.problem for p in problems)


def test_a_deleted_first_event_is_reported_as_missing() -> None:
    problems = verify_chain(KEY, chain()[1:])
    assert any(p.seq == 1 and "missing" in p.problem for p in problems)


def test_several_deleted_events_are_reported() -> None:
    problems = verify_chain(KEY, [e for e in chain() if e.seq not in (2, 4)])
    assert {p.seq for p in problems if "missing" in p.problem} == {2, 4}


# --- reordered and inserted events -------------------------------------------------------------


def test_two_events_with_their_sequence_numbers_swapped_are_detected() -> None:
    events = chain()
    second, third = by_seq(events, 2), by_seq(events, 3)
    second.seq, third.seq = 3, 2
    problems = verify_chain(KEY, events)
    assert {102, 103} <= named(problems)


def test_an_event_moved_to_the_end_is_detected() -> None:
    events = chain()
    moved = by_seq(events, 2)
    for e in events:
        if e.seq > 2:
            e.seq -= 1
    moved.seq = len(events)
    assert {102, 103, 104, 105} <= named(verify_chain(KEY, events))


def test_an_event_inserted_in_the_middle_is_detected() -> None:
    events = chain()
    # A well-formed event slipped in after #2, chained to it, the later events renumbered.
    slipped = hashed(KEY, 3, START + timedelta(hours=2, minutes=30),
                     Step("WI-7", "open", "accepted", "accept", {}), by_seq(events, 2).hash, event_id=999)
    for e in events:
        if e.seq >= 3:
            e.seq += 1
    problems = verify_chain(KEY, [*events, slipped])
    assert 999 not in named(problems)  # it is well formed itself...
    assert {103, 104, 105} == named(problems)  # ...but every renumbered event after it breaks


def test_an_event_inserted_with_a_duplicate_sequence_number_is_detected() -> None:
    events = chain()
    intruder = hashed(KEY, 3, START + timedelta(hours=3), Step("WI-7", "open", "accepted", "accept", {}),
                      by_seq(events, 2).hash, event_id=999)
    problems = verify_chain(KEY, [*events, intruder])
    assert problems
    assert 103 in named(problems) or 999 in named(problems)


@pytest.mark.parametrize("intruder_first", [False, True])
def test_a_duplicate_sequence_number_names_the_intruder_and_reports_nothing_missing(
        intruder_first: bool) -> None:
    events = chain()
    intruder = hashed(KEY, 3, START + timedelta(hours=3), Step("WI-7", "open", "accepted", "accept", {}),
                      by_seq(events, 2).hash, event_id=999)
    rows = [intruder, *events] if intruder_first else [*events, intruder]
    problems = verify_chain(KEY, rows)
    assert 999 in named(problems)
    assert not any("missing" in p.problem for p in problems)


def test_an_event_appended_without_the_chain_is_detected() -> None:
    events = chain()
    stray = hashed(KEY, 6, START + timedelta(hours=6), Step("NC-1", None, "raised", "raise", {}), GENESIS,
                   event_id=106)
    problems = verify_chain(KEY, [*events, stray])
    assert named(problems) == {106}
    assert "does not chain" in problems[0].problem
