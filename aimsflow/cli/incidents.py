"""incident: incidents, complaints and monitoring results (10.2, A.8.4, EU AI Act Art. 73)."""

import typer

from aimsflow.cli.app import JSON_OPTION, PROGRAM_ARG, app, emit, table, work

incident_app = typer.Typer(help="Incidents, complaints and monitoring results (10.2, A.8.4, EU AI Act Art. 73).",
                           no_args_is_help=True)
app.add_typer(incident_app, name="incident")


@incident_app.command("add")
def incident_add(
    program: str = PROGRAM_ARG,
    system: str = typer.Option(..., "--system", help="The AI system of the inventory it happened on."),
    found: str = typer.Option(..., "--found", help="When it was found (YYYY-MM-DD)."),
    severity: str = typer.Option(..., "--severity", help="low, medium, high or critical."),
    description: str | None = typer.Option(None, "--description", help="What happened (recommended; without it the "
                                           "record says that no description was given yet)."),
    kind: str = typer.Option("incident", "--kind", help="incident, complaint or monitoring."),
    serious: bool = typer.Option(False, "--serious", help="A serious incident under the EU AI Act (Art. 73): "
                                 "its report to the authority becomes a work item due 15 days after awareness."),
    serious_cause: str | None = typer.Option(
        None, "--serious-cause", help="A cause with a shorter deadline: death (10 days), widespread or "
        "critical-infrastructure (2 days)."),
    aware: str | None = typer.Option(None, "--aware", help="When the organization became aware (YYYY-MM-DD; "
                                     "default: the day it was found)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record an incident, complaint or monitoring result; an incident makes the system's impact assessment
    stale, a serious one opens its Art. 73 report as a work item."""
    from aimsflow.clock import parse_date
    from aimsflow.services.incidents import add_incident
    from aimsflow.services.lookup import get_program

    found_on = parse_date(found, "found_on")
    aware_on = parse_date(aware, "aware_on") if aware is not None else None
    with work() as uow:
        r = add_incident(uow, get_program(uow.session, program), system=system, found_on=found_on,
                         severity=severity, description=description, kind=kind, serious=serious,
                         serious_cause=serious_cause, aware_on=aware_on)
    lines = [f"{r['incident']}: {r['kind']} on {r['system']} ({r['severity']}" +
             (", serious" if r["serious"] else "") + ")"]
    if r["impact_assessment"] is not None or r["opened"]:
        lines.append(f"  impact assessment: {r['impact_assessment'] or 'none yet'}"
                     + (f"; reassessment {r['opened']}" if r["opened"] else ""))
    if r["serious"]:
        lines.append(f"  report to the market surveillance authority by {r['report_by']}"
                     + (f" ({r['report_item']})" if r["report_item"] else ""))
    emit(r, as_json, lines)


@incident_app.command("list")
def incident_list(program: str = PROGRAM_ARG, as_json: bool = JSON_OPTION) -> None:
    """List the program's incidents, complaints and monitoring results."""
    from aimsflow.services.incidents import list_incidents
    from aimsflow.services.lookup import get_program

    with work() as uow:
        rows = list_incidents(uow, get_program(uow.session, program))
    emit(rows, as_json, table(rows, ["incident", "kind", "system", "severity", "serious", "found_on", "report_by",
                                     "state", "nonconformity"]) if rows else ["no incidents recorded"])


@incident_app.command("raise")
def incident_raise(
    incident: str = typer.Argument(..., help="INC-<n> (see `incident list`)."),
    severity: str = typer.Option("minor", "--severity", help="The nonconformity's severity: minor or major."),
    ref_id: str = typer.Option("10.2", "--ref", help="The clause or control it does not conform to."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Open a nonconformity from an incident, complaint or monitoring result (10.2)."""
    from aimsflow.services.incidents import raise_incident

    with work() as uow:
        r = raise_incident(uow, incident, severity=severity, ref_id=ref_id)
    emit(r, as_json, [f"{r['incident']} raised {r['nonconformity']} ({r['severity']} on {r['ref']})"])


@incident_app.command("report")
def incident_report(
    incident: str = typer.Argument(..., help="INC-<n> (see `incident list`)."),
    date: str = typer.Option(..., "--date", help="When it was reported to the authority (YYYY-MM-DD)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record that a serious incident was reported to the market surveillance authority (Art. 73)."""
    from aimsflow.clock import parse_date
    from aimsflow.services.incidents import report_incident

    reported_on = parse_date(date, "reported_on")
    with work() as uow:
        r = report_incident(uow, incident, reported_on=reported_on)
    emit(r, as_json, [f"{r['incident']}: {r['state']} on {r['reported_on']} (due by {r['report_by']}"
                      + (", LATE)" if r["late"] else ")")])
