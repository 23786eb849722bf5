"""Runs that recover: an owner or review run cancelled, crashed, failed or deleted in Prefect is replaced.

A mis-click on Cancel (it sits above Resume), a worker that died, a pause that timed out or a run
deleted from the UI would otherwise leave its item pointing at a run that can never take a form.
The sweep reads the state of every run the program's items wait in (one query per 200 runs),
releases the lost ones (the item forgets the run; a `run_replaced` event names it and its state)
and the starts that follow create one new run each. A replacement that is lost again is replaced
again at the next sweep, never twice in one. Cancelling an owner run is also how a program manager
withdraws it before reassigning the item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import StateType

from tasks import work

LOST = frozenset({StateType.CANCELLED, StateType.CRASHED, StateType.FAILED})
BATCH = 200


@dataclass
class Replaced:
    released: dict[str, str] = field(default_factory=dict)  # item -> "owner run Cancelled" / "review run deleted"

    def lines(self) -> list[str]:
        if not self.released:
            return []
        return [f"Runs replaced: {len(self.released)} ("
                + ", ".join(f"{item}: {why}" for item, why in sorted(self.released.items())) + ")."]


def run_states(run_ids: list[str]) -> dict[str, str | None]:
    """Each run's state name (as Prefect shows it) or its state type, for the runs that still exist."""
    ids = []
    for run_id in run_ids:
        try:
            ids.append(UUID(run_id))
        except ValueError:
            continue  # not a Prefect run id: as good as deleted
    found: dict[str, str | None] = {}
    with get_client(sync_client=True) as client:
        for start in range(0, len(ids), BATCH):
            batch = ids[start:start + BATCH]
            for run in client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=batch)),
                                             limit=len(batch)):
                lost = run.state is not None and run.state.type in LOST
                found[str(run.id)] = (run.state.name or run.state.type.value) if lost and run.state else None
    return found


def replace_lost_runs(program: str, *, actor: str = "deadline-sweep") -> Replaced:
    """Release the program's owner and review runs that can no longer take a form (the next start replaces them)."""
    in_flight = work.runs_in_flight(program)
    if not in_flight:
        return Replaced()
    states = run_states([run_id for _, _, run_id in in_flight])
    lost = [(item, which, run_id, "deleted" if run_id not in states else str(states[run_id]))
            for item, which, run_id in in_flight if run_id not in states or states[run_id] is not None]
    if not lost:
        return Replaced()
    released = set(work.release_lost_runs(lost, actor=actor))
    return Replaced({item: f"{which} run {state}" for item, which, _, state in lost if item in released})
