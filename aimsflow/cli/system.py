"""init, clock, trail and diagram: the commands about aimsflow itself."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import typer

from aimsflow.cli.app import (
    JSON_OPTION,
    app,
    cannot_open,
    clock_app,
    emit,
    ensure_ready,
    initialize,
    trail_app,
    work,
)
from aimsflow.errors import InvalidInput
from states import LIFECYCLES
from states.machine import mermaid


@app.command()
def init(as_json: bool = JSON_OPTION) -> None:
    """Create the tables and load the ISO/IEC 42001 catalog (safe to run again)."""
    from models.db import database_url

    counts = initialize()
    emit({"database": database_url(), **counts}, as_json, [
        f"database ready: {database_url()}",
        f"catalog {counts['version']}: {counts['clauses']} clauses, {counts['controls']} Annex A controls, "
        f"{counts['annex_c']} Annex C items, {counts['crosswalk']} EU AI Act articles",
    ])


@app.command()
def diagram(lifecycle: str = typer.Argument(..., help=f"One of: {', '.join(LIFECYCLES)}"),
            as_json: bool = JSON_OPTION) -> None:
    """Print a lifecycle as a mermaid state diagram."""
    name = lifecycle.replace("-", "_")
    if name not in LIFECYCLES:
        raise InvalidInput(f"LIFECYCLE: '{lifecycle}' is not one of {', '.join(LIFECYCLES)}")
    spec = LIFECYCLES[name]
    text = mermaid(spec)
    if as_json:
        emit({"lifecycle": spec.name, "initial": str(spec.initial), "states": [str(s) for s in spec.states],
              "final": sorted(spec.final), "transitions": [{"trigger": t.trigger, "from": list(t.sources),
                                                            "to": str(t.dest), "guards": list(t.guards)}
                                                           for t in spec.transitions],
              "mermaid": text}, True)
    else:
        typer.echo(text, nl=False)


CHECKS_OPTION = typer.Option(True, "--checks/--no-checks",
                             help="Run the daily checks for the new date: deadline sweep, certification cycle, "
                                  "the next audit's preparation, impact reassessments.")
RECURRING_OPTION = typer.Option(False, "--recurring",
                                help="Also run the weekly and monthly obligations: evidence freshness and the "
                                     "yearly management review.")


def run_daily_checks() -> list[dict[str, Any]]:
    """Run every program's daily checks still due (oldest first): what the clock's move scheduled, and what
    a killed earlier run left (aimsflow/services/daily_check.py says how that converges).

    One result a program and day (`DailyCheckResult.as_dict()` with its `actions` lines).
    """
    from aimsflow.services.daily_check import due_checks, run_due_checks

    with work() as uow:
        due = due_checks(uow)
    results = []
    for key in due:
        with work() as uow:
            result = run_due_checks(uow, key)
        if result is not None:
            results.append({**result.as_dict(), "actions": result.actions()})
    return results


def _clock_moved(target: datetime, moved: str, checks: bool, as_json: bool) -> None:
    """Say where the clock is now and what the daily checks did on its new date (the news)."""
    if not as_json:  # said first: the clock has moved even if a check then fails
        typer.echo(f"clock {moved} to {target.date().isoformat()} (simulated)")
    results = run_daily_checks()
    emit({"date": target.date().isoformat(), "simulated": True, "checks_ran": checks, "programs": results},
         as_json, [f"  {r['program']}: {a}" for r in results for a in r["actions"]])


def move_clock(target_of: Callable[[datetime], datetime], checks: bool, recurring: bool) -> datetime:
    """Set the simulated clock and, in the same transaction, schedule every program's checks for the new date."""
    from aimsflow import clock
    from aimsflow.services.daily_check import schedule_daily_checks

    with work() as uow:
        target = clock.check_in_range(target_of(uow.now), "date")
        clock.set_simulated(uow.session, target)
        if checks:
            schedule_daily_checks(uow, target, recurring=recurring)
    return target


@clock_app.command("set")
def clock_set(day: str = typer.Argument(..., metavar="DATE", help="YYYY-MM-DD"), checks: bool = CHECKS_OPTION,
              recurring: bool = RECURRING_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Simulate the date DATE (noon UTC) for every process using this database."""
    from aimsflow import clock

    day_at_noon = clock.at_noon(clock.parse_date(day, "DATE"))
    target = move_clock(lambda _now: day_at_noon, checks, recurring)
    _clock_moved(target, "set", checks, as_json)


@clock_app.command("advance")
def clock_advance(duration: str = typer.Argument(..., help="e.g. 10d, 2w, 3m, 1y"),
                  checks: bool = CHECKS_OPTION, recurring: bool = RECURRING_OPTION,
                  as_json: bool = JSON_OPTION) -> None:
    """Move the simulated clock forward by DURATION (starting from today if it is not simulated)."""
    from aimsflow import clock

    delta = clock.parse_duration(duration)
    target = move_clock(lambda now: now + delta, checks, recurring)
    _clock_moved(target, "advanced", checks, as_json)


@clock_app.command("show")
def clock_show(as_json: bool = JSON_OPTION) -> None:
    """Print the date every process uses now."""
    from aimsflow import clock

    with work() as uow:
        simulated = clock.is_simulated(uow.session)
        now = uow.now
    emit({"now": now.isoformat(), "date": now.date().isoformat(), "simulated": simulated}, as_json,
         [f"{now.date().isoformat()} ({'simulated' if simulated else 'system clock'})"])


@clock_app.command("reset")
def clock_reset(as_json: bool = JSON_OPTION) -> None:
    """Go back to the system clock."""
    from aimsflow import clock

    with work() as uow:
        clock.clear_simulated(uow.session)
    with work() as uow:
        now = uow.now
    emit({"now": now.isoformat(), "date": now.date().isoformat(), "simulated": False}, as_json,
         ["clock: system clock"])


@trail_app.command("verify")
def trail_verify(as_json: bool = JSON_OPTION) -> None:
    """Check every program's hash chain; name each edited, inserted or deleted event."""
    from aimsflow.trail import verify_trail

    with work() as uow:
        checked, problems = verify_trail(uow.session)
    emit({"events": checked, "problems": [str(p) for p in problems]}, as_json,
         [f"trail verified: {checked} events, every chain intact"] if not problems else
         [f"trail BROKEN: {len(problems)} problem(s) in {checked} events", *(f"  {p}" for p in problems)])
    if problems:
        raise typer.Exit(1)




@app.command("deliver")
def deliver(as_json: bool = JSON_OPTION) -> None:
    """Send the notification outbox: SMTP when AIMSFLOW_SMTP_HOST is set, else the mbox AIMSFLOW_MAILBOX."""
    from aimsflow.notify import configured_transport, deliver_pending

    ensure_ready()
    transport = configured_transport()
    from prefect.settings import PREFECT_UI_URL  # set, or derived from PREFECT_API_URL: links in the mail

    result = deliver_pending(transport, ui=PREFECT_UI_URL.value())
    held = (f"; {result.held} held until their owner runs exist (the next start-phase or deadline-sweep starts "
            "them)" if result.held else "")
    emit({"sent": result.sent, "failed": result.failed, "held": result.held, "messages": result.messages,
          "transport": repr(transport)}, as_json,
         [f"delivered {result.sent} notices in {result.messages} messages ({result.failed} failed{held}) via "
          f"{transport!r}"])
    if result.failed:
        raise typer.Exit(1)


db_app = typer.Typer(help="The database schema and its migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision (default: the newest)."),
               allow_downgrade: bool = typer.Option(False, "--allow-downgrade",
                                                    help="Allow an older REVISION: undoes migrations, can drop data."),
               as_json: bool = JSON_OPTION) -> None:
    """Apply the schema migrations (Alembic) up to REVISION; rows are kept. Older revisions are refused."""
    from sqlalchemy.exc import DatabaseError

    from aimsflow import migrate
    from aimsflow.database import parsed_url
    from models.db import database_url

    parsed_url()
    try:
        before = migrate.current_revision()
        after = migrate.upgrade(revision=revision, allow_downgrade=allow_downgrade)
    except DatabaseError as exc:
        raise cannot_open(exc) from None
    emit({"database": database_url(), "from": before, "to": after}, as_json,
         [f"database {database_url()}: {before or 'empty'} -> {after or 'empty'}"])


@db_app.command("current")
def db_current(as_json: bool = JSON_OPTION) -> None:
    """Print the schema revision of the database and the newest one this release ships."""
    from aimsflow import migrate
    from models.db import database_url

    ensure_ready()  # reading the revision must not create a database
    current = migrate.current_revision()
    newest = migrate.head_revision()
    emit({"database": database_url(), "current": current, "newest": newest}, as_json,
         [f"database {database_url()}: {current or 'empty'} (newest: {newest})"])
