"""program, status, people and inventory commands."""

from typing import Any

import typer

from aimsflow.certification_body_settings import ON_OFF, SETTINGS
from aimsflow.cli.app import JSON_OPTION, PROGRAM_ARG, app, emit, inventory_app, people_app, program_app, table, work
from aimsflow.cli.messages import flag


@program_app.command("create")
def program_create(
    name: str = typer.Argument(..., help="The organization's name, e.g. 'Merlion Insurance'."),
    scope: str = typer.Option(..., "--scope", help="The AIMS scope: which organization, systems, sites."),
    start: str = typer.Option(..., "--start", help="Start date, YYYY-MM-DD."),
    timezone: str = typer.Option("Asia/Singapore", "--timezone", help="IANA time zone for due dates."),
    country: str = typer.Option("SG", "--country", help="ISO country code whose public holidays are skipped."),
    existing_cert: list[str] = typer.Option([], "--existing-cert", help="iso27001 or iso9001 (repeatable)."),
    key: str | None = typer.Option(None, "--key", help="Short key (default: derived from the name)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a program in gap analysis and open its first phase's work."""
    from aimsflow.clock import parse_date
    from aimsflow.services import programs

    with work() as uow:
        created = programs.create_program(uow, name=name, scope=scope, start=parse_date(start, "--start"),
                                          timezone=timezone, country=country,
                                          existing_certifications=existing_cert, key=key)
    emit({"key": created}, as_json, [f"created program {created}"])


@program_app.command("list")
def program_list(as_json: bool = JSON_OPTION) -> None:
    """List every program with its state."""
    from aimsflow.services import programs

    with work() as uow:
        rows = programs.list_programs(uow)
    emit(rows, as_json, table(rows, ["key", "name", "state", "cycle", "start", "country"]))


@app.command()
def status(program: str = typer.Argument(..., help="Program key."), as_json: bool = JSON_OPTION) -> None:
    """Where a program stands: phase, gate, late work, findings, certificate and cycle dates."""
    from aimsflow.services.lookup import get_program
    from aimsflow.services.status import program_status

    with work() as uow:
        s = program_status(uow, get_program(uow.session, program))
    lines = [f"{s['name']} ({s['key']}): {s['state']}  [phase: {s['phase']}, cycle {s['cycle']}, today {s['today']}]"]
    gate = s["gate"]
    if gate["name"]:
        lines.append(f"gate {gate['name']}: " + ("passes" if gate["passes"] else f"{len(gate['missing'])} missing"))
        lines += [f"  - {m}" for m in gate["missing"]]
    w = s["work"]
    lines.append(f"work items: {w['total']} ({', '.join(f'{k} {v}' for k, v in sorted(w['by_state'].items()))}); "
                 f"late: {w['late']}")
    lines.append(f"AI systems: {s['ai_systems']}; open nonconformities: {len(s['open_findings'])}")
    for n in s["open_findings"]:
        lines.append(f"  {n['id']} {n['severity']} {n['ref']}: {n['state']}"
                     + (f" (due by {n['due']})" if n["due"] else ""))
    if s["certificate"]:
        c = s["certificate"]
        lines.append(f"certificate: decided {c['decision_date']}, expires {c['expiry']} ({c['certificate_status']}); "
                     f"surveillance 1 due {c['surveillance_1_due']}; surveillance 2 in "
                     f"{c['surveillance_2_window'][0][:4]}")
    nxt = s["next_audit"]
    if nxt["audit"]:
        lines.append(f"next audit: {nxt['label']} " + (f"{nxt['planned']} on {nxt['date']}" if nxt["planned"] else
                                                       f"(judged on {nxt['date']})") + ": "
                     + ("ready" if nxt["ready"] else f"not ready, {len(nxt['missing'])} missing (aimsflow audit "
                                                     f"readiness {s['key']})"))
    lines += [f"FLAG: {f}" for f in s["flags"]]
    lines.append(f"next: {', '.join(s['allowed']) or 'nothing'}")
    emit(s, as_json, lines)


@people_app.command("add")
def people_add(
    program: str = typer.Argument(..., help="Program key."),
    name: str = typer.Argument(..., help="The person's name, as work lists will show it."),
    role: list[str] = typer.Option(..., "--role", help="program-manager, owner, top-management, internal-auditor, "
                                                       "cb-auditor (repeatable)."),
    function: list[str] = typer.Option([], "--function", help="Committee function: technology, legal, compliance, "
                                                              "operations, hr (repeatable)."),
    email: str | None = typer.Option(None, "--email", help="Where notices go (none: the mailbox file only)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a person with their roles; they take over unassigned work of those roles."""
    from aimsflow.services import people
    from aimsflow.services.lookup import get_program

    with work() as uow:
        added = people.add_person(uow, get_program(uow.session, program), name=name, roles=role, functions=function,
                                  email=email)
    emit(added, as_json, [f"added {added['name']} ({', '.join(added['roles'])})"
                          + (f"; assigned {len(added['assigned'])} open items" if added["assigned"] else "")])


@people_app.command("role")
def people_role(
    program: str = PROGRAM_ARG, name: str = typer.Argument(..., help="The person's name."),
    role: list[str] = typer.Option([], "--role", help="A role to add (repeatable)."),
    function: list[str] = typer.Option([], "--function", help="A committee function to add (repeatable)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Give an existing person another role or committee function."""
    from aimsflow.services import people
    from aimsflow.services.lookup import get_program

    with work() as uow:
        result = people.grant(uow, get_program(uow.session, program), name=name, roles=role, functions=function)
    emit(result, as_json, [f"{result['name']}: {', '.join(result['roles'])}"])


@people_app.command("list")
def people_list(program: str = PROGRAM_ARG, as_json: bool = JSON_OPTION) -> None:
    """List a program's people, roles and committee functions."""
    from aimsflow.services import people
    from aimsflow.services.lookup import get_program

    with work() as uow:
        rows = people.list_people(uow, get_program(uow.session, program))
    shown = [{**r, "roles": ",".join(r["roles"]), "functions": ",".join(r["functions"])} for r in rows]
    emit(rows, as_json, table(shown, ["name", "roles", "functions", "email"]))


@inventory_app.command("import")
def inventory_import(program: str = PROGRAM_ARG,
                     file: str = typer.Argument(..., help="CSV with header name,purpose,status,risk_level,owner,"
                                                          "in_scope[,ai_role,description], or YAML list."),
                     as_json: bool = JSON_OPTION) -> None:
    """Import AI systems: every row is checked first; all are imported or none."""
    from aimsflow.services import inventory
    from aimsflow.services.lookup import get_program

    with work() as uow:
        result = inventory.import_inventory(uow, get_program(uow.session, program), file)
    emit(result, as_json, [f"imported {result['imported']} AI systems: {', '.join(result['systems'])}"])


@inventory_app.command("change")
def inventory_change(
    program: str = PROGRAM_ARG,
    system: str = typer.Argument(..., help="The AI system's name in the inventory."),
    reason: str = typer.Option(..., "--reason", help="What changed significantly."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a significant change: the system's impact assessment turns stale and is asked for again."""
    from aimsflow.services import inventory
    from aimsflow.services.lookup import get_program

    with work() as uow:
        result = inventory.record_significant_change(uow, get_program(uow.session, program), system, reason=reason)
    emit(result, as_json, [f"{result['system']}: significant change recorded; impact assessment "
                           f"{result['impact_assessment']}" + (f"; opened {result['opened']}"
                                                               if result.get("opened") else "")])


@inventory_app.command("advance")
def inventory_advance(
    program: str = PROGRAM_ARG,
    system: str = typer.Argument(..., help="The AI system's name in the inventory."),
    trigger: str = typer.Argument(..., help="develop, deploy or retire."),
    reason: str = typer.Option("", "--reason", help="Why (recorded in the trail)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Move a system through its lifecycle: planned -> in-development -> deployed -> retired.

    Deploying an in-scope system is a significant change: its current impact assessment turns stale and a new one is
    asked for. Retiring a system takes it out of the gates and cancels its open reassessment.
    """
    from aimsflow.services import ai_systems
    from aimsflow.services.lookup import get_program

    with work() as uow:
        r = ai_systems.advance_system(uow, get_program(uow.session, program), system, trigger, reason=reason)
    emit(r, as_json, [f"{r['system']}: {r['from']} -> {r['status']}"
                      + (f"; impact assessment {r['impact_assessment']}" if r.get("impact_assessment") else "")
                      + (f"; opened {r['opened']}" if r.get("opened") else "")
                      + (f"; cancelled {', '.join(r['cancelled'])}" if r["cancelled"] else "")])


@inventory_app.command("list")
def inventory_list(program: str = PROGRAM_ARG, as_json: bool = JSON_OPTION) -> None:
    """List the inventory with each system's impact-assessment status."""
    from aimsflow.services import inventory
    from aimsflow.services.lookup import get_program

    with work() as uow:
        rows = inventory.list_inventory(uow, get_program(uow.session, program))
    emit(rows, as_json, table(rows, ["name", "status", "risk_level", "owner", "in_scope", "impact_assessment"]))


def _setting(name: str) -> Any:
    spec = SETTINGS[name]
    # Declared by the same spelling an error about the setting shows (aimsflow.cli.messages).
    return typer.Option(None, flag(name, "program settings"), show_default=False,
                        help=f"{spec.meaning[0].upper()}{spec.meaning[1:]} ("
                        + (f"{spec.unit})." if spec.unit == ON_OFF else f"{spec.unit}, {spec.low}-{spec.high})."))


@program_app.command("settings")
def program_settings_command(
    program: str = typer.Argument(..., help="Program key."),
    major_verification_days: int | None = _setting("major_verification_days"),
    new_stage_2_after_months: int | None = _setting("new_stage_2_after_months"),
    restoration_window_months: int | None = _setting("restoration_window_months"),
    stage_1_to_stage_2_months: int | None = _setting("stage_1_to_stage_2_months"),
    reminder_days: str | None = _setting("reminder_days"),
    escalate_to_pm_after_days: int | None = _setting("escalate_to_pm_after_days"),
    escalate_to_top_after_days: int | None = _setting("escalate_to_top_after_days"),
    preparation_lead_days: int | None = _setting("preparation_lead_days"),
    impact_assessment_interval_months: int | None = _setting("impact_assessment_interval_months"),
    evidence_valid_months: int | None = _setting("evidence_valid_months"),
    readiness_lookback_months: int | None = _setting("readiness_lookback_months"),
    policy_review_interval_months: int | None = _setting("policy_review_interval_months"),
    surveillance_effort_percent: int | None = _setting("surveillance_effort_percent"),
    recertification_effort_percent: int | None = _setting("recertification_effort_percent"),
    raise_unaddressed_minors: str | None = _setting("raise_unaddressed_minors"),
    suspension_limit_months: int | None = _setting("suspension_limit_months"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show or change the program's certification-body settings (DOMAIN.md's configurable rules).

    Without options it shows them. A change applies from now on (a verify-by or due date already set
    keeps its value) and the trail records the old and new values.
    """
    from aimsflow.services.lookup import get_program
    from aimsflow.services.program_settings import configure_program

    given = {k: v for k, v in locals().items() if k in SETTINGS and v is not None}
    with work() as uow:
        result = configure_program(uow, get_program(uow.session, program), given)
    lines = [f"{'changed' if name in result['changed'] else '       '} {flag(name, 'program settings')[2:]}: "
             f"{({True: 'on', False: 'off'}[value]) if isinstance(value, bool) else value}"
             for name, value in result["settings"].items()]
    emit(result, as_json, [f"{result['program']} settings" + ("" if result["changed"] else " (unchanged)"), *lines])
