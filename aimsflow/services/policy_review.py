"""The AI policy's review at planned intervals (A.2.4): a recurring work item of its own.

The policy is reviewed `policy_review_interval_months` after its approval or its last review. The
review opens as an approval for top management `AHEAD_DAYS` before it is due, once per due date (the
key carries it), so the recurring check may run as often as it likes. Audit readiness names a review
that is overdue on an audit's date.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aimsflow.rules import working_days
from aimsflow.rules.audit_readiness import policy_review_due
from aimsflow.services import work
from aimsflow.services.audit_facts import policy_reviewed_on
from aimsflow.uow import UnitOfWork
from models import Program

AHEAD_DAYS = 60  # the review opens two months before it is due


def open_policy_review(uow: UnitOfWork, program: Program, *, actor: str = "policy-review") -> dict[str, Any]:
    """Open the AI policy's next review as top management's approval once it is within `AHEAD_DAYS` of due."""
    today = uow.today(program)
    last = policy_reviewed_on(uow.session, program)
    result: dict[str, Any] = {"program": program.key, "last_reviewed": last, "due": None, "opened": None}
    if last is None:
        return result  # no approved policy yet: its approval is a deliverable of foundation building
    due = policy_review_due(last, program.policy_review_interval_months)
    result["due"] = due.isoformat()
    if today < due - timedelta(days=AHEAD_DAYS):
        return result
    result["opened"] = work.open_item(
        uow, program, key=f"policy-review:{due.isoformat()}", kind="approval", subject="A.2.4",
        title=f"Review the AI policy (A.2.4): last reviewed {last}, its "
              f"{program.policy_review_interval_months}-month review is due by {due}",
        role="top-management", due=working_days.next_working_day(max(due, today + timedelta(days=7)),
                                                                 program.country),
        phase=program.state, actor=actor)
    return result
