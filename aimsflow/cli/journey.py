"""phase, work, soa, risk, review, certify and cycle commands."""

from typing import TYPE_CHECKING

import typer

from aimsflow.cli.app import (
    JSON_OPTION,
    PROGRAM_ARG,
    app,
    cycle_app,
    emit,
    os_user,
    phase_app,
    review_app,
    risk_app,
    soa_app,
    table,
    work,
    work_app,
)

if TYPE_CHECKING:
    from aimsflow.uow import UnitOfWork


@phase_app.command("advance")
def phase_advance(
    program: str = PROGRAM_ARG,
    waive: list[str] = typer.Option([], "--waive", help="A missing gate item to waive (repeatable)."),
    by: str | None = typer.Option(None, "--by", help="The top-management member who waives."),
    reason: str | None = typer.Option(None, "--reason", help="The written reason for the waiver."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Close the current phase through its exit gate and open the next phase's work."""
    from aimsflow.services import phases
    from aimsflow.services.lookup import get_program

    with work() as uow:
        p = get_program(uow.session, program)
        before = p.state
        after = phases.advance_phase(uow, p, actor=by or "cli", waive=waive, waived_by=by, reason=reason)
    emit({"program": program, "from": before, "to": after, "waived": waive}, as_json,
         [f"{program}: {before} -> {after}" + (f" (waived: {'; '.join(waive)})" if waive else "")])


def _runs_of(uow: "UnitOfWork", item: str) -> tuple[str | None, str | None, str]:
    """(owner run, review run, program key) of an item, before a command changes it."""
    from aimsflow.services.lookup import get_by_ref
    from models import Program, WorkItem

    row = get_by_ref(uow.session, item, WorkItem)
    return row.owner_run_id, row.review_run_id, uow.session.get_one(Program, row.program_id).key


@work_app.command("list")
def work_list(
    program: str = PROGRAM_ARG,
    owner: str | None = typer.Option(None, "--owner", help="Only this person's items."),
    state: str | None = typer.Option(None, "--state", help="Only items in this state (open, overdue, ...)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """List work items, by due date."""
    from aimsflow.services import work as work_service
    from aimsflow.services.lookup import get_program

    with work() as uow:
        rows = work_service.list_work(uow, get_program(uow.session, program), owner=owner, state=state)
    emit(rows, as_json, table(rows, ["id", "state", "due", "assignee", "title"]))


@work_app.command("complete")
def work_complete(
    item: str = typer.Argument(..., help="WI-<n>"),
    by: str = typer.Option(..., "--by", help="The assignee completing it."),
    evidence: list[str] = typer.Option([], "--evidence", help="A file to attach as evidence (repeatable)."),
    note: str | None = typer.Option(None, "--note", help="What was done; for an assessment, why."),
    assessment: str | None = typer.Option(None, "--assessment", help="For a clause: conforms, partial or gap."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Complete an assigned work item (evidence items then wait for someone else to accept them)."""
    from aimsflow.services import completion

    with work() as uow:
        result = completion.complete_work(uow, item, by=by, evidence=evidence, note=note, assessment=assessment,
                                          entered_by=os_user())
    waiting = result["state"] == "submitted"
    extra = f"; waiting for review by {result['reviewer'] or 'a program manager'}" if waiting else ""
    emit(result, as_json, [f"{result['id']} {result['state']}{extra}"])


@work_app.command("accept")
def work_accept(item: str = typer.Argument(..., help="WI-<n> (see `work list`)."),
                by: str = typer.Option(..., "--by", help="The reviewer (not the item's owner)."),
                as_json: bool = JSON_OPTION) -> None:
    """Accept submitted work and its evidence (never your own)."""
    from aimsflow.cli.run_handover import withdraw_review_run
    from aimsflow.services import completion

    with work() as uow:
        review_run = _runs_of(uow, item)[1]
        result = completion.review_work(uow, item, by=by, accept=True, entered_by=os_user())
    withdraw_review_run(review_run, f"{result['id']} was accepted on the command line")
    emit(result, as_json, [f"{result['id']} {result['state']}"])


@work_app.command("reject")
def work_reject(item: str = typer.Argument(..., help="WI-<n> (see `work list`)."),
                by: str = typer.Option(..., "--by", help="The reviewer (not the item's owner)."),
                reason: str = typer.Option(..., "--reason", help="What must change before it is accepted."),
                as_json: bool = JSON_OPTION) -> None:
    """Send submitted work back with a reason."""
    from aimsflow.cli.run_handover import hand_over_owner_runs, withdraw_review_run
    from aimsflow.services import completion

    with work() as uow:
        _, review_run, program = _runs_of(uow, item)
        result = completion.review_work(uow, item, by=by, accept=False, reason=reason, entered_by=os_user())
    withdraw_review_run(review_run, f"{result['id']} was rejected on the command line")
    runs, said = hand_over_owner_runs(program, [result["id"]], [], "")
    emit({**result, "owner_run": runs.get(result["id"])}, as_json, [f"{result['id']} {result['state']}; {said}"])


@work_app.command("assign")
def work_assign(items: list[str] = typer.Argument(..., help="[PROGRAM] WI-<n> ... (see `work list`): one item or "
                                                  "several, optionally after the program's key."),
                to: str = typer.Option(..., "--to", help="The new assignee (a person of the program)."),
                as_json: bool = JSON_OPTION) -> None:
    """Reassign active work items (all or none): old owners' runs are cancelled, the new owner's started, mailed."""
    import re

    from aimsflow.cli.run_handover import hand_over_owner_runs
    from aimsflow.services import work as work_service

    program = items[0] if len(items) > 1 and not re.fullmatch(r"(?i)(WI-)?\d+", items[0].strip()) else None
    refs = items[1:] if program is not None else items
    with work() as uow:
        old_runs = [run for run in (_runs_of(uow, r)[0] for r in refs) if run]
        result = work_service.reassign_items(uow, refs, to=to, actor="cli", program_key=program)
        key = _runs_of(uow, result[0]["id"])[2]
    ids = [r["id"] for r in result]
    runs, said = hand_over_owner_runs(key, ids, old_runs, f"{', '.join(ids)} reassigned")
    shown = [{**r, "owner_run": runs.get(r["id"])} for r in result]
    if len(items) == 1:
        emit(shown[0], as_json, [f"{ids[0]} assigned to {result[0]['assignee']}; {said}"])
    else:
        emit(shown, as_json, [*(f"{r['id']} assigned to {r['assignee']}" for r in result), said])


@soa_app.command("set")
def soa_set(
    program: str = PROGRAM_ARG, control: str = typer.Argument(..., help="A.x.y, or your own control id"),
    include: bool = typer.Option(None, "--include/--exclude", help="Include or exclude the control."),
    justification: str = typer.Option(..., "--justification", help="Why, from the risk assessment or an external "
                                       "requirement (an exclusion without one is a nonconformity)."),
    status: str | None = typer.Option(None, "--status", help="planned, partial, implemented, not-applicable."),
    title: str | None = typer.Option(None, "--title", help="Title of a control you add beyond Annex A."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a control's decision in the Statement of Applicability."""
    from aimsflow.services import soa
    from aimsflow.services.lookup import get_program

    if include is None:
        raise typer.BadParameter("give --include or --exclude")
    with work() as uow:
        result = soa.set_entry(uow, get_program(uow.session, program), control, include=include,
                               justification=justification, status=status, title=title)
    emit(result, as_json, [f"{result['control']}: {result['decision']} ({result['status']})",
                           *(f"warning: {w}" for w in result["warnings"])])


@soa_app.command("list")
def soa_list(program: str = PROGRAM_ARG, as_json: bool = JSON_OPTION) -> None:
    """Every Annex A control and added control with its decision."""
    from aimsflow.services import soa
    from aimsflow.services.lookup import get_program

    with work() as uow:
        rows = soa.list_entries(uow, get_program(uow.session, program))
    emit(rows, as_json, table(rows, ["control", "decision", "status", "title", "justification"]))


@risk_app.command("criteria")
def risk_criteria(
    program: str = PROGRAM_ARG,
    threshold: int = typer.Option(..., "--threshold", help="Likelihood x impact above which a residual risk "
                                  "needs top management's acceptance."),
    scale: int = typer.Option(5, "--scale", help="Points on the likelihood and impact scales (1..scale)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the risk acceptance criteria: residual scores above THRESHOLD need top management."""
    from aimsflow.services import risks
    from aimsflow.services.lookup import get_program

    with work() as uow:
        result = risks.set_criteria(uow, get_program(uow.session, program), threshold=threshold, scale=scale)
    emit(result, as_json, [f"risk acceptance criteria: accept up to {threshold} on a {scale}x{scale} scale"])


@risk_app.command("add")
def risk_add(program: str = PROGRAM_ARG, title: str = typer.Argument(..., help="What could go wrong, in a line."),
             source: str | None = typer.Option(None, "--source", help="An Annex C.3 risk source."),
             system: str | None = typer.Option(None, "--system", help="The AI system it concerns."),
             owner: str | None = typer.Option(None, "--owner", help="The risk owner (a person of the program)."),
             as_json: bool = JSON_OPTION) -> None:
    """Identify a risk."""
    from aimsflow.services import risks
    from aimsflow.services.lookup import get_program

    with work() as uow:
        rid = risks.add_risk(uow, get_program(uow.session, program), title=title, source=source, system=system,
                             owner=owner)
    emit({"id": rid}, as_json, [f"added {rid}"])


@risk_app.command("assess")
def risk_assess(
    risk: str = typer.Argument(..., help="RISK-<n> (see `risk list`)."),
    likelihood: int = typer.Option(..., "--likelihood", help="1..scale."),
    impact: int = typer.Option(..., "--impact", help="1..scale."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Score a risk's likelihood and impact."""
    from aimsflow.services import risks

    with work() as uow:
        r = risks.assess_risk(uow, risk, likelihood=likelihood, impact=impact)
    emit(r, as_json, [f"{r['id']}: score {r['score']}"])


@risk_app.command("treat")
def risk_treat(
    risk: str = typer.Argument(..., help="RISK-<n> (see `risk list`)."),
    treatment: str = typer.Option(..., "--treatment", help="mitigate, accept, transfer or avoid."),
    residual_likelihood: int = typer.Option(..., "--residual-likelihood", help="After treatment, 1..scale."),
    residual_impact: int = typer.Option(..., "--residual-impact", help="After treatment, 1..scale."),
    plan: str | None = typer.Option(None, "--plan", help="How the treatment is carried out."),
    control: list[str] = typer.Option([], "--control", help="Annex A control that treats it (repeatable)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Choose a treatment (mitigate, accept, transfer, avoid) and its residual score."""
    from aimsflow.services import risks

    with work() as uow:
        r = risks.treat_risk(uow, risk, treatment=treatment, residual_likelihood=residual_likelihood,
                             residual_impact=residual_impact, plan=plan, controls=control)
    emit(r, as_json, [f"{r['id']}: {r['treatment']}, residual {r['residual']}"
                      + (" (above the criteria: top management must accept)" if r["above_criteria"] else "")])


@risk_app.command("accept")
def risk_accept(
    risk: str = typer.Argument(..., help="RISK-<n> (see `risk list`)."),
    by: str = typer.Option(..., "--by", help="Who accepts (top management above the criteria)."),
    reason: str | None = typer.Option(None, "--reason", help="Why (required above the criteria)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Accept a residual risk; above the criteria only top management, with a written reason."""
    from aimsflow.services import risks

    with work() as uow:
        r = risks.accept_risk(uow, risk, by=by, reason=reason, entered_by=os_user())
    emit(r, as_json, [f"{r['id']}: accepted by {r['accepted_by']}"])


@risk_app.command("list")
def risk_list(program: str = PROGRAM_ARG, as_json: bool = JSON_OPTION) -> None:
    """The risk register."""
    from aimsflow.services import risks
    from aimsflow.services.lookup import get_program

    with work() as uow:
        rows = risks.list_risks(uow, get_program(uow.session, program))
    emit(rows, as_json, table(rows, ["id", "state", "score", "treatment", "residual", "title"]))


@review_app.command("hold")
def review_hold(
    program: str = PROGRAM_ARG, day: str = typer.Option(..., "--date", help="YYYY-MM-DD."),
    chair: str | None = typer.Option(None, "--chair", help="Top-management member chairing."),
    input_a: str | None = typer.Option(None, "--input-a", help="(a) status of actions from earlier reviews"),
    input_b: str | None = typer.Option(None, "--input-b", help="(b) changes in external and internal issues"),
    input_c: str | None = typer.Option(None, "--input-c", help="(c) changes in interested parties' needs"),
    input_d: str | None = typer.Option(None, "--input-d", help="(d) AIMS performance, NC trends, audit results"),
    input_e: str | None = typer.Option(None, "--input-e", help="(e) opportunities for continual improvement"),
    outputs: str | None = typer.Option(None, "--outputs", help="Decisions on improvements and changes."),
    action: list[str] = typer.Option([], "--action", help="'what;owner;YYYY-MM-DD' (repeatable)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a management review; (a), (d) and (e) are assembled from the record when not given."""
    from aimsflow.clock import parse_date
    from aimsflow.services import reviews
    from aimsflow.services.lookup import get_program

    with work() as uow:
        r = reviews.hold_review(uow, get_program(uow.session, program), held_on=parse_date(day, "--date"),
                                chair=chair, inputs={"a": input_a, "b": input_b, "c": input_c, "d": input_d,
                                                     "e": input_e}, outputs=outputs, actions=action)
    lines = [f"{r['review']} held on {r['held_on']}; actions opened: {', '.join(r['actions']) or 'none'}"]
    if r["missing_inputs"]:
        lines.append(f"warning: inputs {', '.join(r['missing_inputs'])} missing: the review is incomplete")
    emit(r, as_json, lines)


@review_app.command("list")
def review_list(program: str = PROGRAM_ARG,
                reviewer: str | None = typer.Option(None, "--reviewer", help="Only what waits for this person."),
                as_json: bool = JSON_OPTION) -> None:
    """Submitted work and evidence waiting for a reviewer, oldest first (decide with `work accept|reject`,
    `evidence accept|reject`)."""
    from aimsflow.services.lookup import get_program
    from aimsflow.services.review_queue import list_awaiting_review

    with work() as uow:
        rows = list_awaiting_review(uow, get_program(uow.session, program), reviewer=reviewer)
    shown = [{**r, "reviewer": r["reviewer"] or ("anyone but the submitter" if r["id"].startswith("EV-")
                                                 else "a program manager")} for r in rows]
    emit(rows, as_json, table(shown, ["id", "kind", "since", "days", "submitter", "reviewer", "evidence", "title"]))


@app.command()
def certify(
    program: str = PROGRAM_ARG,
    decision_date: str = typer.Option(..., "--decision-date", help="The CB's decision date, YYYY-MM-DD."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the certification body's decision (or a recertification, or a restoration)."""
    from aimsflow.clock import parse_date
    from aimsflow.services import certification
    from aimsflow.services.lookup import get_program

    with work() as uow:
        r = certification.certify(uow, get_program(uow.session, program),
                                  decision_date=parse_date(decision_date, "--decision-date"))
    emit(r, as_json, [f"{program}: {r['state']} (cycle {r['cycle']}); certificate decided {r['decision_date']}, "
                      f"expires {r['expiry']}; surveillance 1 due {r['surveillance_1_due']}; surveillance 2 in "
                      f"{r['surveillance_2_window'][0][:4]}"])


@cycle_app.command("check")
def cycle_check(program: str = PROGRAM_ARG, as_json: bool = JSON_OPTION) -> None:
    """Apply today's date to the cycle: lapse, suspension, or a required new Stage 2."""
    from aimsflow.services import certification
    from aimsflow.services.lookup import get_program

    with work() as uow:
        done = certification.check_cycle(uow, get_program(uow.session, program))
    emit({"program": program, "actions": done}, as_json, done or [f"{program}: nothing due"])


@app.command()
def sweep(program: list[str] = typer.Argument(None, help="Program keys (default: every program)."),
          as_json: bool = JSON_OPTION) -> None:
    """Run the deadline sweep: reminders before due, overdue marking, escalations."""
    from aimsflow.services.deadlines import sweep_deadlines
    from aimsflow.services.lookup import get_program
    from aimsflow.services.programs import list_programs

    with work() as uow:
        keys = program or [p["key"] for p in list_programs(uow)]
    results = []
    for key in keys:
        with work() as uow:
            results.append(sweep_deadlines(uow, get_program(uow.session, key)).as_dict())
    emit(results, as_json, [f"{r['program']}: {len(r['reminders'])} reminders, {len(r['overdue'])} overdue, "
                            f"{len(r['escalations'])} escalations" for r in results])
