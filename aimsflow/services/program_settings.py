"""A program's certification-body settings: DOMAIN.md's *configurable* rules, overridden per program.

Each setting has bounds that keep the date arithmetic meaningful. A change applies from now on:
deadlines already computed (a major's verify-by date, a work item's due date) keep their value,
and the trail records every change with its old and new value.
"""

from __future__ import annotations

from typing import Any

from aimsflow.certification_body_settings import ON_OFF, SETTINGS, SettingSpec
from aimsflow.errors import InvalidInput
from aimsflow.limits import clip
from aimsflow.uow import UnitOfWork
from models import Program

__all__ = ["SETTINGS", "SettingSpec", "configure_program", "program_settings"]


def program_settings(program: Program) -> dict[str, Any]:
    """The program's current certification-body settings by name."""
    return {name: getattr(program, name) for name in SETTINGS}


def _whole(text: str) -> int | None:
    """A whole number in the digits 0-9 (as every number option of the command line reads them), or None."""
    text = text.strip()
    if not text or not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


SWITCH = {"on": True, "yes": True, "true": True, "1": True, "off": False, "no": False, "false": False, "0": False}


def _parse(spec: SettingSpec, raw: Any) -> Any:
    text = str(raw).strip()
    if spec.unit == ON_OFF:
        if text.lower() not in SWITCH:
            raise InvalidInput(f"'{raw}' is not on or off", field=spec.name)
        return SWITCH[text.lower()]
    if spec.name == "reminder_days":
        parts = [_whole(p) for p in text.split(",")]
        if not text or not all(p is not None and spec.low <= p <= spec.high for p in parts):
            raise InvalidInput(f"'{clip(raw)}' is not a list of days from {spec.low} to {spec.high} (e.g. 7,1)",
                               field=spec.name)
        return ",".join(str(d) for d in sorted({p for p in parts if p is not None}, reverse=True))
    number = _whole(text)
    if spec.cap and number is not None and number > spec.high:
        raise InvalidInput(f"{clip(raw)} {spec.unit} is more than {spec.high}: {spec.cap}, whatever a CB prefers",
                           field=spec.name)
    if number is None or not spec.low <= number <= spec.high:
        raise InvalidInput(f"'{clip(raw)}' is not a whole number of {spec.unit} from {spec.low} to {spec.high}",
                           field=spec.name)
    return number


def configure_program(uow: UnitOfWork, program: Program, changes: dict[str, Any], *,
                      actor: str = "cli") -> dict[str, Any]:
    """Change some settings (all checked before any is written); returns the settings and what changed."""
    unknown = sorted(set(changes) - set(SETTINGS))
    if unknown:
        raise InvalidInput(f"unknown setting(s): {', '.join(unknown)} (known: {', '.join(SETTINGS)})")
    new = {**program_settings(program), **{k: _parse(SETTINGS[k], v) for k, v in changes.items()}}
    if new["escalate_to_top_after_days"] <= new["escalate_to_pm_after_days"]:
        raise InvalidInput(f"escalation to top management ({new['escalate_to_top_after_days']} days overdue) must "
                           f"come later than to the program manager ({new['escalate_to_pm_after_days']} days): top "
                           "management hears second", field="escalate_to_top_after_days")
    changed = {k: [getattr(program, k), v] for k, v in new.items() if getattr(program, k) != v}
    if changed:
        for name, (_old, value) in changed.items():
            setattr(program, name, value)
        uow.session.add(program)
        uow.record(program, actor=actor, lifecycle="program", row_ref="program", trigger="configure",
                   payload={"changed": changed})
    return {"program": program.key, "settings": program_settings(program), "changed": changed}
