"""serve and run: start aimsflow's Prefect flows from the command line.

`aimsflow run ...` runs a flow here and prints what it did; with --remote it creates a run of the
flow's deployment instead (served by `aimsflow serve` or picked up by a worker) and returns at once.
Flows are imported only when a command needs them: the rest of the CLI starts without Prefect.
"""

from collections.abc import Callable
from typing import Any, cast

import typer

from aimsflow.cli.app import JSON_OPTION, app, emit, ensure_ready, work
from aimsflow.errors import AimsflowError, NotFound

run_app = typer.Typer(help="Start aimsflow's Prefect flows: here, or as a run of their deployment (--remote).",
                      no_args_is_help=True)
app.add_typer(run_app, name="run")

REMOTE = typer.Option(False, "--remote", help="Create a run of the deployment (served by `aimsflow serve` or a "
                                              "worker) instead of running the flow here.")


def _check_program(program: str | None) -> None:
    """Refuse an unknown program before any flow starts (one clear line, no flow-run traceback)."""
    from aimsflow.services.lookup import get_program

    if program is not None:
        with work() as uow:
            get_program(uow.session, program)


def _start(name: str, params: dict[str, Any], remote: bool) -> Any:
    ensure_ready()
    _check_program(params.get("program"))
    if remote:
        from prefect.client.schemas.objects import FlowRun
        from prefect.deployments import run_deployment
        from prefect.exceptions import ObjectNotFound

        from aimsflow.cli.prefect_api import prefect_api

        try:
            with prefect_api():
                run = cast(FlowRun, run_deployment(f"{name}/{name}", parameters=params, timeout=0))
        except ObjectNotFound:
            raise NotFound(f"no deployment {name}/{name} on the Prefect server: run `aimsflow serve`, or "
                           "`prefect deploy --all` from the project folder") from None
        return {"flow_run": str(run.id), "name": run.name, "deployment": f"{name}/{name}", "parameters": params}
    from flows.serve import FLOWS

    try:
        return FLOWS[name](**params)
    except AimsflowError:
        raise
    except Exception as exc:  # a failed flow run: its reason in one line (the run's log has the rest)
        raise AimsflowError(f"the {name} flow failed: {type(exc).__name__}: {exc}") from None


def _print(result: dict[str, Any], as_json: bool, lines: Callable[[], list[str]]) -> None:
    """Print what a flow did (its lines are made only for a run here, not for a --remote start)."""
    if "flow_run" in result:
        emit(result, as_json, [f"started {result['deployment']}: run '{result['name']}' ({result['flow_run']})"])
    else:
        emit(result, as_json, lines() if not as_json else None)


def _per_program(result: dict[str, Any], describe: Any) -> list[str]:
    rows = result.get("programs", [result])
    return [describe(r) for r in rows] or ["no programs"]


@app.command("serve")
def serve_command(limit: int | None = typer.Option(
        None, "--limit", min=0, help="At most this many flow runs at once, each a process (default: two per CPU "
        "core, from 2 to 8: 4 on a 2-core machine; 0: no limit). A phase starts one owner run per item, and 30 "
        "processes started together thrash two cores.")) -> None:
    """Serve every aimsflow deployment (phases, owner tasks, sweeps, reviews) from this process, no work pool.

    SIGTERM or Ctrl-C stops it; if the Prefect server went away first, it stops within 20 s anyway.
    """
    ensure_ready()
    from aimsflow.cli.prefect_api import prefect_api
    from flows.serve import serve_all

    with prefect_api():
        serve_all(limit=limit)


@run_app.command("start-phase")
def run_start_phase(program: str = typer.Argument(..., help="Program key."),
                    phase: str | None = typer.Option(None, "--phase", help="Default: the program's current phase."),
                    deliver: bool = typer.Option(True, "--deliver/--no-deliver",
                                                 help="Send the assignment notices (with codes) at once."),
                    remote: bool = REMOTE, as_json: bool = JSON_OPTION) -> None:
    """Open a phase's work items and start one owner-task run per item; safe to run twice."""
    r = _start("start-phase", {"program": program, "phase": phase, "deliver": deliver}, remote)
    _print(r, as_json, lambda: [f"{program} {r.get('phase')}: {len(r.get('created', []))} items opened, "
                        f"{len(r.get('owner_runs', {}))} owner runs started"
                        + ("" if r.get("deployment") else " (no owner-task deployment: run `aimsflow serve`)")])


@run_app.command("sweep")
def run_sweep(program: str | None = typer.Argument(None, help="Program key (default: every program)."),
              deliver: bool = typer.Option(True, "--deliver/--no-deliver", help="Send the notices at once."),
              remote: bool = REMOTE, as_json: bool = JSON_OPTION) -> None:
    """The deadline sweep: reminders, overdue marks, escalations (to the PM, then top management)."""
    r = _start("deadline-sweep", {"program": program, "deliver": deliver}, remote)
    _print(r, as_json, lambda: _per_program(r, lambda p: f"{p['program']}: {len(p['reminders'])} reminders, "
                                                 f"{len(p['overdue'])} overdue, {len(p['escalations'])} escalations"))


@run_app.command("evidence-freshness")
def run_evidence_freshness(program: str | None = typer.Argument(None, help="Program key (default: every program)."),
                           remote: bool = REMOTE, as_json: bool = JSON_OPTION) -> None:
    """Request evidence again that will be stale at the next audit."""
    r = _start("evidence-freshness", {"program": program}, remote)
    _print(r, as_json, lambda: _per_program(r, lambda p: f"{p['program']}: {len(p['stale'])} stale, "
                                                 f"{len(p['requested'])} requested"))


@run_app.command("evidence-collection")
def run_evidence_collection(program: str | None = typer.Argument(None, help="Program key (default: every program)."),
                            remote: bool = REMOTE, as_json: bool = JSON_OPTION) -> None:
    """Run the collectors whose schedule is due; failures are counted and, repeated, open work."""
    r = _start("evidence-collection", {"program": program}, remote)
    _print(r, as_json, lambda: [f"{c['collector']}: " + (f"failed ({c['error']})" if c.get("error") else
                                                         f"stored {len(c['stored'])}, re-confirmed "
                                                         f"{len(c['reconfirmed'])}") for c in r["collected"]])


@run_app.command("publish-reports")
def run_publish_reports(program: str = typer.Argument(..., help="Program key."),
                        remote: bool = REMOTE, as_json: bool = JSON_OPTION) -> None:
    """Attach every report of a program to a flow run as Markdown artifacts (see the Artifacts page)."""
    r = _start("publish-reports", {"program": program}, remote)
    _print(r, as_json, lambda: [f"{program}: attached {', '.join(r['reports'])}"])


@run_app.command("certification-cycle")
def run_certification_cycle(program: str | None = typer.Argument(None, help="Program key (default: every program)."),
                            remote: bool = REMOTE, as_json: bool = JSON_OPTION) -> None:
    """Apply the cycle's dates and open the next audit's preparation within the lead time."""
    r = _start("certification-cycle", {"program": program}, remote)
    _print(r, as_json, lambda: _per_program(r, lambda p: f"{p['program']}: " + ("; ".join(p["actions"]) or "no change")
                                                 + f"; {len(p['opened'])} preparation items opened"))


@run_app.command("management-review")
def run_management_review(program: str | None = typer.Argument(None, help="Program key (default: every program)."),
                          force: bool = typer.Option(False, "--force", help="Open the review now (on demand)."),
                          remote: bool = REMOTE, as_json: bool = JSON_OPTION) -> None:
    """Assemble the management review's inputs and open its work items (due yearly, or now with --force)."""
    r = _start("management-review", {"program": program, "force": force}, remote)
    _print(r, as_json, lambda: _per_program(r, lambda p: f"{p['program']}: " + (
        f"not opened ({p['skipped']})" if p["skipped"] else f"{len(p['opened'])} items opened")))


@run_app.command("nonconformity")
def run_nonconformity(program: str | None = typer.Argument(None, help="Program key (default: every program)."),
                      nc: str | None = typer.Option(None, "--nc", help="One nonconformity, NC-<n>."),
                      remote: bool = REMOTE, as_json: bool = JSON_OPTION) -> None:
    """Open the work of each open nonconformity's current corrective-action step."""
    if nc and not program:
        raise AimsflowError("--nc needs the PROGRAM argument")
    r = _start("nonconformity", {"program": program, "nonconformity": nc}, remote)
    _print(r, as_json, lambda: _per_program(r, lambda p: f"{p['program']}: " + (", ".join(
        f"{k} waits for {v}" for k, v in p["steps"].items()) or "no open nonconformity")
        + f"; {len(p['opened'])} items opened"))


@run_app.command("deliver")
def run_deliver(remote: bool = REMOTE, as_json: bool = JSON_OPTION) -> None:
    """Send the notification outbox (SMTP when AIMSFLOW_SMTP_HOST is set, else the mailbox file)."""
    r = _start("deliver-notifications", {}, remote)
    _print(r, as_json, lambda: [f"{r.get('sent', 0)} notices sent"])
