"""certification-cycle (daily): apply the cycle's dates and open the next audit's preparation ahead of time."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.owner_runs import start_owner_runs
from flows.report import artifact_key, publish
from flows.reports import attach_report
from tasks import programs
from tasks.daily_check import run_daily_checks


@flow(name="certification-cycle")
def certification_cycle(program: str | None = None) -> dict[str, Any]:
    """Lapse, suspend or demand a new Stage 2 where the dates say so; prepare the next audit; reassess impacts."""
    keys = [program] if program else programs.program_keys()
    results = []
    lines: list[str] = []
    for key in keys:
        checked = run_daily_checks(key, ["cycle", "preparation", "reassessment", "policy-review"])
        actions = checked["cycle"] + checked["reassessments"]
        policy = checked["policy"]
        prep = checked["preparation"]
        # The check may open reassessments and the preparation its audit's work: each needs its owner's run.
        runs = start_owner_runs(key)
        results.append({"program": key, "actions": actions, **prep, "owner_runs": runs.started,
                        "policy_review": policy["opened"]})
        lines.append(f"## {key}")
        lines += [f"- {a}" for a in actions]
        if policy["opened"]:
            lines.append(f"- AI policy review due by {policy['due']} opened: {policy['opened']}")
        plan = prep["plan"]
        if plan is None:
            lines.append("Not certified yet: no cycle to plan.")
            continue
        lines.append(f"Certificate {plan['certificate_status']}: decision {plan['decision_date']}, expiry "
                     f"{plan['expiry']}; surveillance 1 by {plan['surveillance_1_due']}; surveillance 2 in "
                     f"{plan['surveillance_2_window'][0]} .. {plan['surveillance_2_window'][1]}.")
        if prep["next"]:
            nxt = prep["next"]
            lines.append(f"Next: {nxt['audit']} by {nxt['latest']}; preparation opens {nxt['preparation_opens']}. "
                         f"Opened: {', '.join(prep['opened']) or 'nothing new'}.")
        lines += runs.lines()
        attach_report(key, "certification-calendar")
    publish("certification-cycle", lines, key=artifact_key(program or "all-programs", "certification-cycle"))
    return {"programs": results}
