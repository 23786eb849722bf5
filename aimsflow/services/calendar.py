"""The program's deadline calendar as RFC 5545 (iCalendar): stable UIDs, so a re-export updates, not duplicates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from icalendar import Calendar, Event
from sqlmodel import col, select

from aimsflow.catalog import load_catalog
from aimsflow.rules.act_dates import HIGH_RISK, act_dates_that_apply
from aimsflow.services.certification import current_certificate, cycle_windows
from aimsflow.services.suspension import suspension_view
from aimsflow.uow import UnitOfWork
from models import AISystem, Audit, ManagementReview, Program, WorkItem
from states.work_item import ACTIVE


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    start: date
    end: date  # exclusive, as DTEND of an all-day event
    summary: str
    description: str = ""


def calendar_entries(uow: UnitOfWork, program: Program) -> list[CalendarEntry]:
    """Every dated obligation of a program, each with a UID that never changes between exports."""
    key = program.key
    day = timedelta(days=1)
    out: list[CalendarEntry] = []
    for item in uow.session.exec(select(WorkItem).where(
            WorkItem.program_id == program.id, col(WorkItem.state).in_([s.value for s in ACTIVE]))
            .order_by(col(WorkItem.id))):
        out.append(CalendarEntry(f"{key}/work-item/{item.id}@aimsflow", item.due_date, item.due_date + day,
                                 f"Due: WI-{item.id} {item.title}", f"{item.kind} for {item.subject}"))
    for a in uow.session.exec(select(Audit).where(Audit.program_id == program.id).order_by(col(Audit.id))):
        out.append(CalendarEntry(f"{key}/audit/{a.id}@aimsflow", a.start_date, a.end_date + day,
                                 f"Audit AUD-{a.id}: {a.kind}", f"{a.state}; {len(a.scope)} clauses and controls"))
    reviews = list(uow.session.exec(select(ManagementReview).where(ManagementReview.program_id == program.id)
                                    .order_by(col(ManagementReview.held_on))))
    for r in reviews:
        out.append(CalendarEntry(f"{key}/management-review/{r.id}@aimsflow", r.held_on, r.held_on + day,
                                 "Management review held"))
    if reviews:
        nxt = reviews[-1].held_on + relativedelta(years=1)
        out.append(CalendarEntry(f"{key}/management-review/next@aimsflow", nxt, nxt + day,
                                 "Management review due (at least yearly, 9.3)"))
    cert = current_certificate(uow.session, program)
    if cert is not None:
        windows = cycle_windows(uow, program, cert)
        s1, w2 = windows.surveillance_1_due, windows.surveillance_2_window
        out += [
            CalendarEntry(f"{key}/cycle-{cert.cycle}/surveillance-1@aimsflow", s1, s1 + day,
                          "Surveillance audit 1 due (no later than 12 months after the decision)"),
            CalendarEntry(f"{key}/cycle-{cert.cycle}/surveillance-2@aimsflow", w2[0], w2[1] + day,
                          "Surveillance audit 2 window (the following calendar year)"),
            CalendarEntry(f"{key}/cycle-{cert.cycle}/expiry@aimsflow", cert.expiry, cert.expiry + day,
                          "Certificate expires: recertification decided before this date"),
        ]
    suspended = suspension_view(program)
    if suspended is not None:
        limit = date.fromisoformat(suspended["withdrawn_unless_resolved_by"])
        out.append(CalendarEntry(f"{key}/suspension-{suspended['since']}/limit@aimsflow", limit, limit + day,
                                 "Suspension limit: the certificate is withdrawn unless its cause is resolved",
                                 f"suspended since {suspended['since']}: {suspended['cause']}"))
    high_risk = sorted(uow.session.exec(select(AISystem.name).where(
        AISystem.program_id == program.id, AISystem.risk_level == "high", AISystem.status != "retired")).all())
    # The inventory has no general-purpose model class yet: those dates stay off until it does.
    for d in act_dates_that_apply(load_catalog().act_dates, high_risk=bool(high_risk), general_purpose=False):
        when = d["date"] if isinstance(d["date"], date) else date.fromisoformat(str(d["date"]))
        applies = (f"applies to the high-risk systems: {', '.join(high_risk)}" if d["applies_to"] == HIGH_RISK
                   else "applies to every provider and deployer")
        out.append(CalendarEntry(f"{key}/eu-ai-act/{when.isoformat()}@aimsflow", when, when + day,
                                 f"EU AI Act: {d['title']}", f"{applies} (law)"))
    return out


def to_ics(program: Program, entries: list[CalendarEntry], stamp: datetime) -> bytes:
    """The calendar entries as an iCalendar file."""
    cal = Calendar()
    cal.add("prodid", "-//aimsflow//ISO 42001 journey//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"aimsflow: {program.name}")
    for e in entries:
        ev = Event()
        ev.add("uid", e.uid)
        ev.add("dtstamp", stamp.astimezone(UTC))  # RFC 5545: a UTC date-time
        ev.add("dtstart", e.start)
        ev.add("dtend", e.end)
        ev.add("summary", e.summary)
        if e.description:
            ev.add("description", e.description)
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data
