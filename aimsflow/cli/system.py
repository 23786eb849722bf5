"""init, clock, trail and diagram: the commands about aimsflow itself."""

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
def diagram(lifecycle: str = typer.Argument(..., help=f"One of: {', '.join(LIFECYCLES)}")) -> None:
    """Print a lifecycle as a mermaid state diagram."""
    name = lifecycle.replace("-", "_")
    if name not in LIFECYCLES:
        raise InvalidInput(f"LIFECYCLE: '{lifecycle}' is not one of {', '.join(LIFECYCLES)}")
    typer.echo(mermaid(LIFECYCLES[name]), nl=False)


CHECKS_OPTION = typer.Option(True, "--checks/--no-checks",
                             help="Run the daily checks for the new date: deadline sweep, certification cycle, "
                                  "the next audit's preparation, impact reassessments.")
RECURRING_OPTION = typer.Option(False, "--recurring",
                                help="Also run the weekly and monthly obligations: evidence freshness and the "
                                     "yearly management review.")


def run_daily_checks(recurring: bool = False) -> list[str]:
    """What the scheduled checks would have done by now: simulated time passing runs them too."""
    from aimsflow.services.daily_check import DAILY, EVERY_CHECK
    from aimsflow.services.daily_check import run_daily_checks as daily_checks
    from aimsflow.services.lookup import get_program
    from aimsflow.services.programs import list_programs

    with work() as uow:
        keys = [p["key"] for p in list_programs(uow)]
    lines = []
    for key in keys:
        with work() as uow:
            result = daily_checks(uow, get_program(uow.session, key), checks=EVERY_CHECK if recurring else DAILY)
        lines += [f"  {key}: {a}" for a in result.actions()]
    return lines


@clock_app.command("set")
def clock_set(day: str = typer.Argument(..., metavar="DATE", help="YYYY-MM-DD"), checks: bool = CHECKS_OPTION,
              recurring: bool = RECURRING_OPTION) -> None:
    """Simulate the date DATE (noon UTC) for every process using this database."""
    from aimsflow import clock

    target = clock.at_noon(clock.parse_date(day, "DATE"))
    with work() as uow:
        clock.set_simulated(uow.session, target)
    typer.echo(f"clock set to {target.date().isoformat()} (simulated)")
    for line in run_daily_checks(recurring) if checks else []:
        typer.echo(line)


@clock_app.command("advance")
def clock_advance(duration: str = typer.Argument(..., help="e.g. 10d, 2w, 3m, 1y"),
                  checks: bool = CHECKS_OPTION, recurring: bool = RECURRING_OPTION) -> None:
    """Move the simulated clock forward by DURATION (starting from today if it is not simulated)."""
    from aimsflow import clock

    delta = clock.parse_duration(duration)
    with work() as uow:
        target = uow.now + delta
        if target <= uow.now:
            raise InvalidInput("duration: the clock only moves forward")
        clock.set_simulated(uow.session, target)
    typer.echo(f"clock advanced to {target.date().isoformat()} (simulated)")
    for line in run_daily_checks(recurring) if checks else []:
        typer.echo(line)


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
def clock_reset() -> None:
    """Go back to the system clock."""
    from aimsflow import clock

    with work() as uow:
        clock.clear_simulated(uow.session)
    typer.echo("clock: system clock")


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
    result = deliver_pending(transport)
    emit({"sent": result.sent, "failed": result.failed, "transport": repr(transport)}, as_json,
         [f"delivered {result.sent} notices ({result.failed} failed) via {transport!r}"])
    if result.failed:
        raise typer.Exit(1)


db_app = typer.Typer(help="The database schema and its migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision (default: the newest)."),
               allow_downgrade: bool = typer.Option(False, "--allow-downgrade",
                                                    help="Allow an older REVISION: undoes migrations, can drop data.")
               ) -> None:
    """Apply the schema migrations (Alembic) up to REVISION; rows are kept. Older revisions are refused."""
    from sqlalchemy.exc import OperationalError

    from aimsflow import migrate
    from models.db import database_url

    try:
        before = migrate.current_revision()
        after = migrate.upgrade(revision=revision, allow_downgrade=allow_downgrade)
    except OperationalError as exc:
        raise cannot_open(exc) from None
    typer.echo(f"database {database_url()}: {before or 'empty'} -> {after or 'empty'}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the database and the newest one this release ships."""
    from aimsflow import migrate
    from models.db import database_url

    current = migrate.current_revision() or "empty"
    typer.echo(f"database {database_url()}: {current} (newest: {migrate.head_revision()})")
