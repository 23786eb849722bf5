"""audit and nc commands."""

import typer

from aimsflow.cli.app import JSON_OPTION, PROGRAM_ARG, audit_app, emit, nc_app, os_user, table, work


@audit_app.command("schedule")
def audit_schedule(
    program: str = PROGRAM_ARG,
    kind: str = typer.Argument(..., help="internal, stage1, stage2, surveillance, recertification"),
    day: str = typer.Option(..., "--date", help="First audit day, YYYY-MM-DD."),
    auditor: list[str] = typer.Option([], "--auditor", help="An auditor (repeatable)."),
    days: int | None = typer.Option(None, "--days", help="Audit days (default: internal 3, stage1 2, stage2 4; "
                                   "surveillance and recertification a share of the initial Stage 1 + Stage 2 days, "
                                   "see `program settings`)."),
    scope: list[str] = typer.Option([], "--scope", help="A clause or control in scope (default: all)."),
    waive: list[str] = typer.Option([], "--waive", help="A missing readiness item to waive (repeatable)."),
    by: str | None = typer.Option(None, "--by", help="The top-management member who waives."),
    reason: str | None = typer.Option(None, "--reason", help="The written reason for the waiver."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Plan an audit once it is ready (see `audit readiness`); Stage 2, surveillance and recertification move
    the program through the cycle."""
    from aimsflow.clock import parse_date
    from aimsflow.services import audits
    from aimsflow.services.lookup import get_program

    with work() as uow:
        aid = audits.schedule_audit(uow, get_program(uow.session, program), kind, on=parse_date(day, "--date"),
                                    auditors=auditor, days=days, scope=scope, waive=waive, waived_by=by,
                                    reason=reason)
    emit({"id": aid, "waived": waive}, as_json,
         [f"scheduled {aid} ({kind}) on {day}" + (f" (waived: {'; '.join(waive)})" if waive else "")])


@audit_app.command("readiness")
def audit_readiness(
    program: str = PROGRAM_ARG,
    audit: str | None = typer.Option(None, "--audit", help="stage1, stage2, surveillance or recertification "
                                                          "(default: the program's next audit)."),
    day: str | None = typer.Option(None, "--date", help="Judge an audit not yet scheduled on this day "
                                                       "(default: today; a scheduled audit: its own date)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List every item missing before a certification audit may be scheduled or start, as the gates do."""
    from aimsflow.clock import parse_date
    from aimsflow.services.audit_readiness import audit_readiness as readiness
    from aimsflow.services.lookup import get_program

    with work() as uow:
        r = readiness(uow, get_program(uow.session, program), kind=audit, on=parse_date(day, "--date") if day else None)
    if r["audit"] is None:
        emit(r, as_json, [f"{program}: {r['note']}"])
        return
    what = f"{r['label']} audit " + (f"{r['planned']} on {r['date']}" if r["planned"] else f"on {r['date']}")
    lines = [f"{program}: {what}: " + ("ready" if r["ready"] else f"not ready, {len(r['missing'])} missing")]
    lines += [f"  - {m['item']}" for m in r["missing"]]
    lines += [f"  waived: {w}" for w in r["waived"]]
    emit({k: r[k] for k in ("audit", "ready", "missing", "date", "planned", "waived")}, as_json, lines)


@audit_app.command("start")
def audit_start(
    audit: str = typer.Argument(..., help="AUD-<n> (see `audit list`)."),
    waive: list[str] = typer.Option([], "--waive", help="A missing readiness item to waive (repeatable)."),
    by: str | None = typer.Option(None, "--by", help="The top-management member who waives."),
    reason: str | None = typer.Option(None, "--reason", help="The written reason for the waiver."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Start a planned audit (its first finding or its closing also starts it), once it is ready."""
    from aimsflow.services import audits

    with work() as uow:
        r = audits.start_audit(uow, audit, actor=by or "cli", waive=waive, waived_by=by, reason=reason)
    emit(r, as_json, [f"{r['audit']} started" + (f" (waived: {'; '.join(waive)})" if waive else "")])


@audit_app.command("finding")
def audit_finding(
    audit: str = typer.Argument(..., help="AUD-<n>"),
    severity: str = typer.Option(..., "--severity", help="concern, major, minor or ofi"),
    ref: str = typer.Option(..., "--ref", help="The clause or control, e.g. 8.4 or A.7.4"),
    text: str = typer.Option(..., "--text", help="What the auditor found."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Raise a finding; all but an opportunity for improvement open a nonconformity."""
    from aimsflow.services import findings

    with work() as uow:
        r = findings.add_finding(uow, audit, severity=severity, ref_id=ref, text=text)
    emit(r, as_json, [f"{r['audit']}: {r['severity']} on {r['ref']}"
                      + (f" -> {r['nonconformity']}" if r.get("nonconformity") else "")
                      + (f" (verify by {r['verify_by']})" if r.get("verify_by") else "")]
         + ([f"similar open nonconformities on {r['ref']}: {', '.join(r['similar_open'])}"]
            if r.get("similar_open") else [])
         + ([f"warning: {r['warning']}"] if r.get("warning") else []))


@audit_app.command("close")
def audit_close(
    audit: str = typer.Argument(..., help="AUD-<n> (see `audit list`)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Close an audit."""
    from aimsflow.services import audits

    with work() as uow:
        r = audits.close_audit(uow, audit)
    emit(r, as_json, [f"{r['audit']} closed; program now {r['program_state']}", *r["raised_to_major"]])


@audit_app.command("show")
def audit_show(audit: str = typer.Argument(..., help="AUD-<n> (see `audit list`)."),
               as_json: bool = JSON_OPTION) -> None:
    """One audit: kind, state, dates, auditors, scope, and each finding with its nonconformity."""
    from aimsflow.services import audits

    with work() as uow:
        a = audits.show_audit(uow, audit)
    counts = ", ".join(f"{k} {v}" for k, v in a["by_severity"].items() if v)
    clauses = [r for r in a["scope"] if not r.startswith("A.")]
    emit(a, as_json, [
        f"{a['id']} {a['label']} audit of {a['program']}: {a['state']} (cycle {a['cycle']}), {a['start']} to "
        f"{a['end']} ({a['days']} days)" + (f", closed on {a['closed_on']}" if a["closed_on"] else ""),
        f"auditors: {', '.join(n or '?' for n in a['auditors']) or 'none named'}",
        f"scope: {len(clauses)} clauses, {len(a['scope']) - len(clauses)} controls: {', '.join(a['scope'])}",
        f"findings: {len(a['findings'])}" + (f" ({counts})" if counts else ""),
        *(f"  {f['id']} {f['severity']} on {f['ref']}"
          + (f" -> {f['nonconformity']} ({f['nonconformity_state']})" if f["nonconformity"] else "")
          + f": {f['text']}" for f in a["findings"]),
        f"next: {', '.join(a['allowed']) or 'nothing'}"])


@audit_app.command("list")
def audit_list(program: str = PROGRAM_ARG, as_json: bool = JSON_OPTION) -> None:
    """List a program's audits."""
    from aimsflow.services import audits
    from aimsflow.services.lookup import get_program

    with work() as uow:
        rows = audits.list_audits(uow, get_program(uow.session, program))
    emit(rows, as_json, table(rows, ["id", "kind", "state", "start", "end", "days", "findings"]))


@nc_app.command("advance")
def nc_advance(
    nc: str = typer.Argument(..., help="NC-<n>"),
    trigger: str = typer.Argument(..., help="correct, analyse, plan, implement, verify, close, resolve"),
    by: str = typer.Option(..., "--by", help="Who takes the step (a person of the program)."),
    note: str | None = typer.Option(None, "--note", help="What was done, found or decided."),
    effective: bool = typer.Option(None, "--effective/--ineffective", help="The verification's outcome."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record one step of a nonconformity's corrective-action loop."""
    from aimsflow.services import nonconformities

    with work() as uow:
        step = nonconformities.advance_nonconformity(uow, nc, trigger, by=by, note=note, effective=effective,
                                                     entered_by=os_user())
        r = nonconformities.show_nonconformity(uow, nc)
    if step.get("suspension"):  # verifying this major lifted the certificate's suspension
        r["suspension"] = step["suspension"]
    emit(r, as_json, [f"{r['id']}: {r['state']} (round {r['round']}); next: {', '.join(r['allowed']) or 'nothing'}",
                      *([r["suspension"]] if r.get("suspension") else [])])


@nc_app.command("show")
def nc_show(nc: str = typer.Argument(..., help="NC-<n> (see `nc list`)."), as_json: bool = JSON_OPTION) -> None:
    """One nonconformity: its loop state and round, what it waits for and by when, every round, its history."""
    from aimsflow.services.entered_by import shown_as
    from aimsflow.services.nonconformity_work import describe_nonconformity

    with work() as uow:
        r = describe_nonconformity(uow, nc)
    lines = [f"{r['id']} {r['severity']} on {r['ref']}: {r['state']} (round {r['round']}), raised {r['raised_on']} "
             f"(source: {r['source']}" + (f" {r['audit']})" if r["audit"] else ")"),
             f"  finding: {r['text']}"]
    if r["verify_by"]:
        lines.append(f"  verify by {r['verify_by']}" + (" (PAST THE DEADLINE)" if r["past_deadline"] else ""))
    if r["closed_on"]:
        lines.append(f"  closed on {r['closed_on']}")
    lines += [f"  waiting for: {w['step']} ({w['id']}, {w['assignee'] or 'unassigned'}, due {w['due']})"
              for w in r["work"]] or ([f"  waiting for: {r['waiting_for']}"] if r["waiting_for"] else [])
    lines.append(f"  next: {', '.join(r['allowed']) or 'nothing'}")
    lines.append("history:")
    for h in r["history"]:
        outcome = "" if h["effective"] is None else ("; effective" if h["effective"] else "; NOT effective")
        lines.append(f"  {h['on']}  {h['step']}: {h['from'] or '-'} -> {h['to'] or '-'} by "
                     f"{shown_as(h['by'], h['entered_by'])}{outcome}" + (f": {h['note']}" if h["note"] else ""))
    lines.append("rounds:")
    for a in r["rounds"]:
        parts = [f"{k.replace('_', ' ')}: {a[k]}" for k in ("correction", "root_cause", "plan", "implemented_by",
                                                              "verified_by") if a[k]]
        if a["effective"] is not None:
            parts.append("effective" if a["effective"] else "not effective")
        lines.append(f"  round {a['round']}: " + ("; ".join(parts) or "nothing recorded yet"))
    emit(r, as_json, lines)


@nc_app.command("list")
def nc_list(
    program: str = PROGRAM_ARG,
    open_only: bool = typer.Option(False, "--open", help="Only the ones not closed."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List nonconformities."""
    from aimsflow.services import nonconformities
    from aimsflow.services.lookup import get_program

    with work() as uow:
        rows = nonconformities.list_nonconformities(uow, get_program(uow.session, program), open_only=open_only)
    emit(rows, as_json, table(rows, ["id", "severity", "ref", "state", "round", "verify_by", "source"]))
