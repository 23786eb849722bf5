"""The demo: one sample organization through a whole journey on the simulated clock."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import typer

from aimsflow.cli.app import JSON_OPTION, app, emit

# Prefect's local server, started by the first flow run, reads these from the environment. The
# task-run recorder competes for SQLite writes and stalls flows by about 2 s (PREFECT_NOTES.md).
PREFECT_ENV = {
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # Services the demo's runs never need; each one reads or writes the server's SQLite on the side.
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_REPOSSESSOR_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_CANCELLATION_CLEANUP_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_PAUSE_EXPIRATIONS_ENABLED": "false",
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
    # A fresh server database is migrated first: on a loaded 2-core machine that can take 30 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # The local server retries SQLite lock conflicts itself; its log of each retry is noise here.
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
}


@app.command()
def demo(
    direct: bool = typer.Option(False, "--direct", help="Complete the owners' work through the service layer "
                                "instead of Prefect's owner-task forms (a few seconds instead of about a minute)."),
    database: str = typer.Option("aimsflow-demo.db", "--database", help="The SQLite file to (re)create."),
    parallel: int = typer.Option(4, "--parallel", min=1, help="Owner-task runs in flight at once (Prefect's "
                                 "local server keeps its runs in SQLite: more writers wait on each other)."),
    scenario: str = typer.Option(None, "--scenario", metavar="FILE", help="A scenario file (YAML) to rehearse "
                                 "instead of the built-in one (README, \"Scenarios\")."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Drive a sample organization from creation to its first recertification on Prefect (simulated clock).

    With --json the journey's lines go to standard error and standard output carries one JSON object at
    the end: the program's final status, the database, the mailbox and the owner-task runs.
    """
    from aimsflow.demo import run_demo
    from aimsflow.scenario import load_scenario

    if scenario is not None:
        load_scenario(scenario)  # a broken file is refused before anything starts

    db = Path(database).resolve()
    mailbox = db.with_name(db.stem + "-mailbox.mbox")
    mailbox.unlink(missing_ok=True)
    os.environ["AIMSFLOW_DATABASE_URL"] = f"sqlite:///{db}"  # the flows open the same database
    os.environ["AIMSFLOW_MAILBOX"] = str(mailbox)
    os.environ.pop("AIMSFLOW_SMTP_HOST", None)
    echo = partial(typer.echo, err=True) if as_json else typer.echo  # with --json, stdout is the JSON alone
    if direct:
        summary = run_demo(echo=echo, db_path=str(db), scenario=scenario)
        emit({**summary, "database": str(db), "mailbox": str(mailbox), "owner_task_runs": 0}, as_json, [])
        return
    for key, value in PREFECT_ENV.items():
        os.environ.setdefault(key, value)
    from prefect.context import SyncClientContext
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from aimsflow.cli.prefect_demo import PrefectOwners

    if not PREFECT_API_URL.value():
        # The local server keeps the demo's runs in a database of its own beside the demo's, not in
        # ~/.prefect/prefect.db with the user's. Kept between demos: a new one is migrated first
        # (about 10 s more on the first start).
        prefect_db = db.with_name(db.stem + "-prefect.db")
        os.environ.setdefault("PREFECT_SERVER_DATABASE_CONNECTION_URL", f"sqlite+aiosqlite:///{prefect_db}")
    echo("owners complete their work in Prefect owner-task runs (Prefect's local server starts with the "
         "first run; the journey takes about a minute and a half: --direct skips Prefect and takes seconds)")
    owners = PrefectOwners(mailbox, echo, parallel=parallel)
    # One open client for every Prefect call of the demo and its runs (a new one costs ~0.1 s of CPU).
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}), SyncClientContext.get_or_create():
        summary = run_demo(echo=echo, db_path=str(db), owners=owners, scenario=scenario)
    echo(f"owner-task runs: {owners.runs}; notices in {mailbox}")
    emit({**summary, "database": str(db), "mailbox": str(mailbox), "owner_task_runs": owners.runs}, as_json, [])
