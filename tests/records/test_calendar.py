"""The calendar export: RFC 5545 that parses back with the same events and stable UIDs."""

from __future__ import annotations

from datetime import date

from icalendar import Calendar

from aimsflow.services.calendar import calendar_entries, to_ics
from aimsflow.services.lookup import get_program
from tests.records.conftest import Sample


def export(sample: Sample) -> bytes:
    with sample.work() as uow:
        program = get_program(uow.session, sample.key)
        return to_ics(program, calendar_entries(uow, program), uow.now)


def events_of(data: bytes) -> dict[str, tuple[date, str]]:
    cal = Calendar.from_ical(data)
    return {str(e["UID"]): (e.decoded("DTSTART"), str(e["SUMMARY"])) for e in cal.walk("VEVENT")}


def test_the_calendar_parses_back_with_every_event_and_uid(sample: Sample) -> None:
    data = export(sample)
    with sample.work() as uow:
        entries = calendar_entries(uow, get_program(uow.session, sample.key))
    parsed = events_of(data)
    assert set(parsed) == {e.uid for e in entries}
    assert len(parsed) == len(entries)
    for e in entries:
        assert parsed[e.uid] == (e.start, e.summary)


def test_a_second_export_keeps_every_uid(sample: Sample) -> None:
    assert set(events_of(export(sample))) == set(events_of(export(sample)))


def test_the_calendar_holds_the_cycle_and_the_eu_ai_act_dates_for_high_risk_systems(sample: Sample) -> None:
    summaries = {s for _, s in events_of(export(sample)).values()}
    assert any(s.startswith("Certificate expires") for s in summaries)
    assert any(s.startswith("Surveillance audit 1 due") for s in summaries)
    assert any("Annex III high-risk systems" in s for s in summaries)
    assert any(s.startswith("Audit AUD-") for s in summaries)


def test_the_expiry_event_falls_on_the_certificate_expiry(sample: Sample) -> None:
    parsed = events_of(export(sample))
    expiry = next(day for uid, (day, _) in parsed.items() if uid.endswith("/expiry@aimsflow"))
    assert expiry == date(2034, 3, 2)  # decided 2028-03-02, recertified before 2031-03-02: + 3 years


def test_the_calendar_always_carries_ai_literacy_transparency_and_the_marking_of_generated_content(
        sample: Sample) -> None:
    parsed = events_of(export(sample))
    days = {day for uid, (day, _) in parsed.items() if "/eu-ai-act/" in uid}
    assert {date(2025, 2, 2), date(2026, 8, 2), date(2026, 12, 2)} <= days
