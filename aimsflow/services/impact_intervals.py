"""Impact assessments repeat at planned intervals (6.1.4, 8.4), not only after a significant change.

An assessment is current until its `next_due` (its date plus the program's interval). Ahead of that
date the system's owner gets the reassessment as a work item; once the date has passed without a
new assessment, the old one is stale: the controls gate and Stage 2 readiness name it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from aimsflow.rules.recurring import interval_passed
from aimsflow.services.inventory import open_reassessment
from aimsflow.uow import UnitOfWork
from models import AISystem, ImpactAssessment, Program
from states.impact_assessment import IMPACT_ASSESSMENT, ImpactAssessmentState

# The reassessment opens this long before the interval runs out, so it can be done in time.
REASSESS_AHEAD_DAYS = 30


def reassess_on_interval(uow: UnitOfWork, program: Program, *, actor: str = "daily-check") -> list[str]:
    """Open reassessments that come due, and mark assessments whose interval has passed stale."""
    today = uow.today(program)
    done: list[str] = []
    rows = uow.session.exec(select(ImpactAssessment, AISystem).join(
        AISystem, AISystem.id == ImpactAssessment.system_id).where(  # type: ignore[arg-type]
        ImpactAssessment.program_id == program.id, ImpactAssessment.state == ImpactAssessmentState.CURRENT,
        AISystem.in_scope, AISystem.status != "retired"))
    for ia, system in rows:
        if ia.next_due is None or today < ia.next_due - timedelta(days=REASSESS_AHEAD_DAYS):
            continue
        interval = program.impact_assessment_interval_months
        opened = open_reassessment(
            uow, program, system, due=ia.next_due, actor=actor,
            title=f"Reassess the impact of AI system {system.name}: its {interval}-month interval ends "
                  f"on {ia.next_due}")
        if opened:
            done.append(f"{opened}: reassessment of {system.name} opened (interval ends {ia.next_due})")
        if interval_passed(ia.next_due, today):
            ia.stale_reason = f"its {interval}-month interval ended on {ia.next_due}"
            uow.transition(program, IMPACT_ASSESSMENT, ia, "invalidate", row_ref=f"IA-{system.name}", actor=actor,
                           payload={"reason": ia.stale_reason})
            done.append(f"impact assessment of {system.name} stale: {ia.stale_reason}")
    return done
