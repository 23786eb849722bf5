"""collectors commands: declare evidence collectors and run them now."""

import typer

from aimsflow.cli.app import JSON_OPTION, PROGRAM_ARG, app, emit, table, work
from aimsflow.errors import AimsflowError

collectors_app = typer.Typer(help="Evidence collectors: files, HTTP GETs or commands on a schedule.",
                             no_args_is_help=True)
app.add_typer(collectors_app, name="collectors")


@collectors_app.command("load")
def collectors_load(program: str = PROGRAM_ARG, file: str = typer.Argument(..., help="YAML list."),
                    as_json: bool = JSON_OPTION) -> None:
    """Declare collectors: name, control (or clause), source (files/http/command), schedule (RRULE), valid_for."""
    from aimsflow.services import collectors
    from aimsflow.services.lookup import get_program

    with work() as uow:
        names = collectors.load_collectors(uow, get_program(uow.session, program), file)
    emit({"program": program, "loaded": len(names), "collectors": names}, as_json,
         [f"loaded {len(names)} collectors: {', '.join(names)}"])


@collectors_app.command("list")
def collectors_list(program: str = PROGRAM_ARG, as_json: bool = JSON_OPTION) -> None:
    """List a program's collectors and their failures."""
    from aimsflow.services import collectors
    from aimsflow.services.lookup import get_program

    with work() as uow:
        rows = collectors.list_collectors(uow, get_program(uow.session, program))
    emit(rows, as_json, table(rows, ["name", "ref", "source", "schedule", "failures", "target"]))


@collectors_app.command("run")
def collectors_run(program: str = PROGRAM_ARG, as_json: bool = JSON_OPTION) -> None:
    """Run every collector of a program now (the evidence-collection flow does this on its schedule)."""
    from aimsflow.collect import fetch
    from aimsflow.services import collectors
    from aimsflow.services.lookup import get_program

    with work() as uow:
        specs = collectors.collector_specs(uow, get_program(uow.session, program))
    results = []
    for collector_id, source, target, pattern, name in specs:
        try:
            fetched, error = fetch(source, target, pattern, name), None
        except AimsflowError as exc:
            fetched, error = None, str(exc)
        try:
            with work() as uow:
                results.append(collectors.record_collection(uow, collector_id, fetched, error))
        except AimsflowError as exc:  # storing what came back failed: the collector's failure, not the run's
            with work() as uow:
                results.append(collectors.record_collection(uow, collector_id, None, str(exc)))
    emit(results, as_json, [
        (f"{r['collector']}: FAILED ({r['error']})" + (f"; opened {r['opened']}" if r["opened"] else ""))
        if r.get("error") else f"{r['collector']}: stored {len(r['stored'])}, re-confirmed {len(r['reconfirmed'])}"
        for r in results])
