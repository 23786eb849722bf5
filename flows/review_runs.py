"""Starting review-task runs: one per submitted item with a reviewer, never two, each mailed to its reviewer.

Runs are named "<program> · <item> · review by <reviewer>" and tagged `reviewer:<name>`,
`program:<key>`, `item:<item>`, created like owner runs (flows/owner_runs.py). The reviewer's
notice is enqueued when the run is recorded, so its link and code always belong to a run that exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.owner_runs import _order, cancel_unneeded, create_runs
from tasks import work

REVIEW_DEPLOYMENT = "review-task/review-task"


@dataclass
class ReviewRuns:
    deployment: str | None  # None: no review-task deployment exists, so no runs were started
    started: dict[str, str] = field(default_factory=dict)  # item -> flow run id
    lost: list[str] = field(default_factory=list)  # items another run was recorded for first

    def lines(self) -> list[str]:
        if self.deployment is None:
            return [f"No `{REVIEW_DEPLOYMENT}` deployment: no review runs were started (run `aimsflow serve`; "
                    "submitted items keep their place)."]
        if not self.started:
            return []
        return [f"Review runs started: {len(self.started)} ({', '.join(sorted(self.started, key=_order))})."]


def start_review_runs(program: str, *, deployment: str = REVIEW_DEPLOYMENT) -> ReviewRuns:
    """Create a review-task run for every submitted item of the program that has a reviewer and no run."""
    items = work.items_awaiting_review_run(program)
    if not items:
        return ReviewRuns(deployment)
    names = work.review_run_names(items)
    started = create_runs(deployment, program, items, names, "review runs")
    if started is None:
        return ReviewRuns(None)
    result = ReviewRuns(deployment, started)
    if started:
        result.lost = work.record_review_runs({item: (run, names[item][0]) for item, run in started.items()})
        cancel_unneeded([result.started.pop(item) for item in result.lost])
    return result
