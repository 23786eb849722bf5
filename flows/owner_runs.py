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


def start_owner_runs(program: str, phase: str | None = None, *, deployment: str = OWNER_DEPLOYMENT) -> OwnerRuns:
    """Create an owner-task run for every active, assigned item of the program (or phase) that has none."""
    items = work.items_awaiting_owner_run(program, phase)
    with get_client(sync_client=True) as client:
        try:
            deployment_id = client.read_deployment_by_name(deployment).id
        except ObjectNotFound:
            return OwnerRuns(None)
        result = OwnerRuns(deployment)
        work.mark_owner_runs(program)  # from now on its assignment notices wait for their runs
        if not items:
            return result
        names = work.owner_run_names(items)
        progress = Progress(len(items), f"{program}: starting {len(items)} owner runs")
        for item in items:
            name, tags = names[item]
            run = client.create_flow_run_from_deployment(
                deployment_id, parameters={"item": item}, name=name, tags=tags,
                idempotency_key=f"owner-task:{name}")
            result.started[item] = str(run.id)
            progress.step()
    result.lost = work.record_owner_runs(result.started)
    if result.lost:
        with get_client(sync_client=True) as client:
            for item in result.lost:  # the item already waits in another run: this one is not needed
                client.set_flow_run_state(result.started.pop(item), Cancelled(message="another run has the item"),
                                          force=True)
    return result
