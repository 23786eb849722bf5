"""report: render the documents an auditor reads, as self-contained HTML or Markdown."""

from pathlib import Path

import typer

from aimsflow.cli.app import JSON_OPTION, app, emit, work, written
from aimsflow.errors import AimsflowError, InvalidInput

# Not the list of kinds itself: it lives with the report compilers, whose imports `--help` does not pay for.
KIND_HELP = "The report to write ('list' names every kind), or 'all': every report, one file each, to -o DIR."


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AimsflowError(f"cannot write {path}: {exc.strerror}") from None


@app.command("report")
def report(
    kind: str = typer.Argument(..., help=KIND_HELP),
    program: str | None = typer.Argument(None, help="Program key."),
    fmt: str | None = typer.Option(None, "--format", help="html (default) or md; with 'all', both unless given."),
    output: str | None = typer.Option(None, "-o", "--output", help="File to write (a folder with 'all'); "
                                      "without it the report goes to standard output."),
    system: str | None = typer.Option(None, "--system", help="The AI system of an impact-assessment report."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Render a report of a program: gap analysis, SoA, risk register, audits, reviews, roadmap, calendar...

    With --json: with -o, what was written (path, bytes, SHA-256); without -o, the report's data itself
    (what its templates render); `report list --json`, the kinds.
    """
    from aimsflow.reports import FORMATS, KINDS, compile_report, render_report, report_kind
    from aimsflow.services.lookup import get_program

    if kind == "list":
        width = max(map(len, KINDS))
        emit([{"kind": name, "title": spec.title, "per_system": spec.per_system} for name, spec in KINDS.items()],
             as_json, [f"{name.ljust(width)}  {spec.title}" for name, spec in KINDS.items()])
        return
    if fmt is not None and fmt not in FORMATS:
        raise InvalidInput(f"--format: '{fmt}' is not one of {', '.join(FORMATS)}")
    if kind != "all":
        report_kind(kind)
    if not program:
        raise InvalidInput("PROGRAM: give the program key (aimsflow program list shows them)")
    if kind == "all":
        _report_all(program, [fmt] if fmt else list(FORMATS), output, as_json)
        return
    with work() as uow:
        data = compile_report(uow, get_program(uow.session, program), kind, system=system)
    if as_json and output is None:
        emit(data, True)  # the report's data, for a script to take further
        return
    # Rendering happens after the unit of work: the transaction only read the record.
    text = render_report(kind, data, fmt or "html")
    if output is None:
        typer.echo(text, nl=False)
    else:
        _write(Path(output), text)
        emit(written(output, kind=kind, program=program, system=system, format=fmt or "html") if as_json else None,
             as_json, [f"wrote {output}"])


def _report_all(program: str, formats: list[str], output: str | None, as_json: bool) -> None:
    from aimsflow.reports import KINDS, assessed_systems, compile_report, file_name, render_report
    from aimsflow.services.lookup import get_program

    if not output:
        raise InvalidInput("report all writes one file per report: give the folder with -o DIR")
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"-o: {output} exists and is not a folder")
    jobs: list[tuple[str, str | None, dict[str, object]]] = []
    with work() as uow:
        row = get_program(uow.session, program)
        for name, spec in KINDS.items():
            systems: list[str | None] = list(assessed_systems(uow, row)) if spec.per_system else [None]
            for system in systems:
                jobs.append((name, system, compile_report(uow, row, name, system=system)))
    files = []
    for name, system, data in jobs:
        for fmt in formats:
            path = folder / file_name(name, fmt, system)
            _write(path, render_report(name, data, fmt))
            files.append((path, name, system, fmt))
    emit({"program": program, "folder": str(folder.resolve()), "reports": [
        written(path, kind=name, system=system, format=fmt) for path, name, system, fmt in files]} if as_json else None,
        as_json, [f"wrote {len(files)} reports to {folder}"])
