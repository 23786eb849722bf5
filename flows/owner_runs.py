"""Starting owner-task runs from their deployment: one per assigned item, never two.

Runs are created with one open client (`create_flow_run_from_deployment`, about 0.13 s each),
named "<program> · <item> · <owner> · due <date>" and tagged `owner:<name>`, `program:<key>`. The
idempotency key makes a repeated creation return the same run, so a start that crashed between
creating and recording is repaired by running it again; the item then remembers its run.

Where the deployment exists the program is marked as worked in the Prefect UI: its assignment
notices are then held until their runs exist (aimsflow.notify), so no mail names a run not yet made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from prefect.states import Cancelled

from flows.report import Progress
from tasks import work

OWNER_DEPLOYMENT = "owner-task/owner-task"


@dataclass
class OwnerRuns:
    deployment: str | None  # None: no owner-task deployment exists, so no runs were started
    started: dict[str, str] = field(default_factory=dict)  # item -> flow run id
    lost: list[str] = field(default_factory=list)  # items another run was recorded for first

    def lines(self) -> list[str]:
        if self.deployment is None:
            return [f"No `{OWNER_DEPLOYMENT}` deployment: no owner runs were started (run `aimsflow serve`, or "
                    "deploy prefect.yaml, then run this flow again; items keep their place)."]
        if not self.started:
            return ["Owner runs: every assigned item already has one."]
        return [f"Owner runs started: {len(self.started)} ({', '.join(sorted(self.started, key=_order))})."]


def _order(item: str) -> int:
    return int(item.split("-")[1]) if item.split("-")[-1].isdigit() else 0


def create_runs(deployment: str, program: str, items: list[str], names: dict[str, tuple[str, list[str]]],
                what: str) -> dict[str, str] | None:
    """One run of the deployment per item (item -> run id), named and tagged; None if there is no deployment.

    The creation key is the run's name and the item's generation (see tasks.work.run_generations):
    the same after a crash, new once the item needs a new run.
    """
    with get_client(sync_client=True) as client:
        try:
            deployment_id = client.read_deployment_by_name(deployment).id
        except ObjectNotFound:
            return None
        if not items:
            return {}
        generations = work.run_generations(program, items)
        flow_name = deployment.split("/")[0]
        progress = Progress(len(items), f"{program}: starting {len(items)} {what}")
        started = {}
        for item in items:
            name, tags = names[item]
            run = client.create_flow_run_from_deployment(
                deployment_id, parameters={"item": item}, name=name, tags=tags,
                idempotency_key=f"{flow_name}:{name}:{generations[item]}")
            started[item] = str(run.id)
            progress.step()
    return started


def cancel_unneeded(runs: list[str]) -> None:
    """Cancel runs created for items that already wait in another run."""
    if runs:
        with get_client(sync_client=True) as client:
            for run_id in runs:
                client.set_flow_run_state(run_id, Cancelled(message="another run has the item"), force=True)


def start_owner_runs(program: str, phase: str | None = None, *, only: list[str] | None = None,
                     deployment: str = OWNER_DEPLOYMENT) -> OwnerRuns:
    """Create an owner-task run for every active, assigned item of the program (or phase, or `only`) without one."""
    items = [i for i in work.items_awaiting_owner_run(program, phase) if only is None or i in only]
    started = create_runs(deployment, program, items, work.owner_run_names(items) if items else {}, "owner runs")
    if started is None:
        return OwnerRuns(None)
    work.mark_owner_runs(program)  # from now on its assignment notices wait for their runs
    result = OwnerRuns(deployment, started)
    if not started:
        return result
    result.lost = work.record_owner_runs(result.started)
    cancel_unneeded([result.started.pop(item) for item in result.lost])
    return result
