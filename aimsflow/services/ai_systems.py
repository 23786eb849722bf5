"""An inventoried AI system's own lifecycle: planned, in development, deployed, retired.

Going live is a significant change in the sense of 8.4 (new users, new uses): a deployed in-scope
system needs an assessment made for what it is now, so deploying one whose assessment is current
makes it stale and asks for a new one. A retired system leaves the gates, and its open
reassessment is cancelled.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from aimsflow.errors import InvalidInput, NotFound
from aimsflow.services.inventory import record_significant_change
from aimsflow.uow import UnitOfWork
from models import AISystem, Program, WorkItem
from states.ai_system import AI_SYSTEM
from states.work_item import ACTIVE, WORK_ITEM

TRIGGERS = sorted({t.trigger for t in AI_SYSTEM.transitions})


def advance_system(uow: UnitOfWork, program: Program, name: str, trigger: str, *, reason: str = "",
                   actor: str = "cli") -> dict[str, Any]:
    """Move one system through its lifecycle (develop, deploy, retire) and record it."""
    if trigger not in TRIGGERS:
        raise InvalidInput(f"'{trigger}' is not one of {', '.join(TRIGGERS)}", field="trigger")
    system = uow.session.exec(select(AISystem).where(AISystem.program_id == program.id, AISystem.name == name)).first()
    if system is None:
        raise NotFound(f"AI system '{name}' is not in the inventory of {program.key}")
    before = system.status
    # The inventory calls the state `status` (the import format's column): fire, then write it there.
    system.status = uow.fire(program, AI_SYSTEM, before, trigger, row_ref=f"system:{name}", actor=actor,
                             payload={"reason": reason} if reason else None)
    uow.session.add(system)
    result: dict[str, Any] = {"system": name, "from": before, "status": system.status, "cancelled": []}
    if trigger == "deploy" and system.in_scope:
        change = record_significant_change(uow, program, name, reason=reason or f"deployed (was {before})",
                                           actor=actor)
        result["impact_assessment"], result["opened"] = change["impact_assessment"], change.get("opened")
    if trigger == "retire":
        for item in uow.session.exec(select(WorkItem).where(
                WorkItem.program_id == program.id, WorkItem.kind == "impact_assessment", WorkItem.subject == name)):
            if item.state in ACTIVE:
                uow.transition(program, WORK_ITEM, item, "cancel", row_ref=f"WI-{item.id}", actor=actor,
                               payload={"reason": f"AI system {name} retired"})
                result["cancelled"].append(f"WI-{item.id}")
    return result

