"""evidence commands: add files to the store, review them, verify the store; calendar, export, import."""

from pathlib import Path

import typer

from aimsflow.cli.app import JSON_OPTION, PROGRAM_ARG, app, emit, os_user, table, work, written

evidence_app = typer.Typer(help="Evidence files, stored by SHA-256 and verified on read.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")


@evidence_app.command("add")
def evidence_add(
    program: str = PROGRAM_ARG, file: str = typer.Argument(..., help="The file to store."),
    control: list[str] = typer.Option(..., "--control", help="A control or clause it supports (repeatable)."),
    valid_for: str = typer.Option("12m", "--valid-for", help="How long it stays valid, e.g. 6m, 1y."),
    by: str | None = typer.Option(None, "--by", help="The person submitting it (required: nobody accepts their own)."),
    allow_empty: bool = typer.Option(False, "--allow-empty", help="Store an empty file (refused otherwise)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Store a file under its SHA-256 and record it as evidence (someone else then accepts it)."""
    from aimsflow.services import evidence
    from aimsflow.services.lookup import get_program

    with work() as uow:
        r = evidence.add_evidence(uow, get_program(uow.session, program), file, refs=control, valid_for=valid_for,
                                  by=by or "", allow_empty=allow_empty, entered_by=os_user() if by else None)
    emit(r, as_json, [f"{r['id']}: {r['file']} sha256 {r['sha256']} for {', '.join(r['refs'])}, valid until "
                      f"{r['valid_until']}"])


@evidence_app.command("accept")
def evidence_accept(ev: str = typer.Argument(..., help="EV-<n>"),
                    by: str = typer.Option(..., "--by", help="The reviewer (not the submitter)."),
                    note: str | None = typer.Option(None, "--note", help="Why it is accepted."),
                    as_json: bool = JSON_OPTION) -> None:
    """Accept evidence (never your own)."""
    from aimsflow.services import evidence

    with work() as uow:
        r = evidence.review_evidence(uow, ev, by=by, accept=True, note=note, entered_by=os_user())
    emit(r, as_json, [f"{r['id']} {r['state']}"])


@evidence_app.command("reject")
def evidence_reject(ev: str = typer.Argument(..., help="EV-<n> (see `evidence list`)."),
                    by: str = typer.Option(..., "--by", help="The reviewer (not the submitter)."),
                    note: str = typer.Option(..., "--note", help="Why it is rejected: what is missing."),
                    as_json: bool = JSON_OPTION) -> None:
    """Reject evidence with a reason."""
    from aimsflow.services import evidence

    with work() as uow:
        r = evidence.review_evidence(uow, ev, by=by, accept=False, note=note, entered_by=os_user())
    emit(r, as_json, [f"{r['id']} {r['state']}"])


@evidence_app.command("list")
def evidence_list(program: str = PROGRAM_ARG, as_json: bool = JSON_OPTION) -> None:
    """List a program's evidence with hashes and validity."""
    from aimsflow.services import evidence
    from aimsflow.services.lookup import get_program

    with work() as uow:
        rows = evidence.list_evidence(uow, get_program(uow.session, program))
    shown = [{**r, "sha256": r["sha256"][:16], "refs": ",".join(r["refs"])} for r in rows]
    emit(rows, as_json, table(shown, ["id", "state", "refs", "valid_until", "sha256", "file"]))


@evidence_app.command("verify")
def evidence_verify(as_json: bool = JSON_OPTION) -> None:
    """Re-hash every stored evidence file; name each changed or missing one."""
    from aimsflow.services import evidence

    with work() as uow:
        checked, problems = evidence.verify_store(uow)
    emit({"files": checked, "problems": problems}, as_json,
         [f"evidence store verified: {checked} files intact"] if not problems else
         [f"evidence store BROKEN: {len(problems)} of {checked} files", *(f"  {p}" for p in problems)])
    if problems:
        raise typer.Exit(1)


@app.command("calendar")
def calendar(program: str = PROGRAM_ARG, output: str = typer.Option(..., "-o", "--output",
                                                                         help="The .ics file to write."),
             as_json: bool = JSON_OPTION) -> None:
    """Export due dates, audits, cycle windows, reviews, expiry and EU AI Act dates as iCalendar."""
    from aimsflow.services.calendar import calendar_entries, to_ics
    from aimsflow.services.lookup import get_program
    from aimsflow.userfiles import write_atomically

    with work() as uow:
        p = get_program(uow.session, program)
        entries = calendar_entries(uow, p)
        data = to_ics(p, entries, uow.now)
    target = Path(output)
    write_atomically(output, data, "calendar file")  # a subscribed calendar never reads a half-written file
    emit(written(target, program=program, events=len(entries)) if as_json else None, as_json,
         [f"wrote {len(entries)} events to {target}"])


@app.command("export")
def export(
    program: str = PROGRAM_ARG,
    output: str = typer.Option(..., "-o", "--output", help="The JSON file to write."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the whole program (rows, states, trail, evidence hashes) to a JSON file."""
    from aimsflow.services.lookup import get_program
    from aimsflow.services.portability import export_program, write_export

    with work() as uow:
        data = export_program(uow, get_program(uow.session, program))
    write_export(data, output)
    tables = {name: len(rows) for name, rows in data["tables"].items()}
    rows = sum(tables.values())
    emit(written(output, program=program, rows=rows, tables=tables) if as_json else None, as_json,
         [f"exported {program}: {rows} rows in {len(data['tables'])} tables to {output}"])


@app.command("import")
def import_(file: str = typer.Argument(..., help="A JSON file written by aimsflow export."),
            as_json: bool = JSON_OPTION) -> None:
    """Import an exported program (all of it or nothing); its trail verifies as before."""
    from aimsflow.services.portability import import_program, read_export

    data = read_export(file)
    with work() as uow:
        counts = import_program(uow, data)
    emit({"program": data["program"], "rows": sum(counts.values()), "tables": counts}, as_json,
         [f"imported {data['program']}: {sum(counts.values())} rows"])
