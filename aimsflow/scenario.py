"""A rehearsal as data: the program, its people and AI systems, its settings, then the steps of its journey.

`aimsflow demo` runs the built-in scenario (scenarios/merlion-insurance.yaml, package data);
`aimsflow demo --scenario FILE` runs a consultant's own. Every step is checked before anything
runs, and a wrong one is refused naming its number, its kind and the field (InvalidInput).
Dates in steps are expressions: an anchor (`today`, YYYY-MM-DD, an audit's name, or a date of
the last certificate: decision, expiry, surveillance_1_due, surveillance_2_window_start,
surveillance_2_window_end) followed by `+ DURATION` or `- DURATION` terms (`stage1 + 1m`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from aimsflow.clock import parse_duration
from aimsflow.errors import InvalidInput
from aimsflow.userfiles import load_yaml, read_text

BUILT_IN = "merlion-insurance.yaml"
CYCLE_ANCHORS = ("decision", "expiry", "surveillance_1_due", "surveillance_2_window_start",
                 "surveillance_2_window_end")
NAME = re.compile(r"[A-Za-z_]\w*")  # audit and finding names: date expressions refer to audits by name
EXPRESSION = re.compile(r"\s*(\d{4}-\d{2}-\d{2}|[A-Za-z_]\w*)\s*((?:[+-]\s*\w+\s*)*)")
TERM = re.compile(r"([+-])\s*(\w+)")

# Each step kind: its fields as (type, required); the first field is what a scalar (`- advance: 20d`) sets.
STEPS: dict[str, dict[str, tuple[str, bool]]] = {
    "advance": {"by": ("duration", True)},
    "clock": {"to": ("date", True)},
    "say": {"text": ("str", True)},
    "complete_work": {"reviewer": ("str", False)},
    "cycle_work": {"say": ("str", True)},
    "phase": {"say": ("str", False)},
    "risk_criteria": {"threshold": ("int", True), "scale": ("int", False)},
    "soa": {"justification": ("str", True), "status": ("str", False), "exclude": ("dict", False)},
    "risk": {"title": ("str", True), "source": ("str", False), "system": ("str", False), "owner": ("str", False),
             "likelihood": ("int", True), "impact": ("int", True), "treatment": ("str", True),
             "residual_likelihood": ("int", True), "residual_impact": ("int", True), "plan": ("str", False),
             "controls": ("list", False), "accepted_by": ("str", True), "reason": ("str", False)},
    "significant_change": {"system": ("str", True), "reason": ("str", True), "say": ("str", False)},
    "audit": {"name": ("str", True), "kind": ("str", True), "date": ("date", True), "auditors": ("list", True),
              "days": ("int", False)},
    "finding": {"audit": ("audit", True), "severity": ("str", True), "ref": ("str", True), "text": ("str", True),
                "name": ("str", False)},
    "close_audit": {"audit": ("audit", True), "timeline": ("str", False)},
    "nc": {"finding": ("finding", True), "trigger": ("str", True), "by": ("str", True), "note": ("str", False),
           "effective": ("bool", False)},
    "corrective_action": {"finding": ("finding", True), "by": ("str", True), "implemented_by": ("str", True),
                          "verifier": ("str", True), "ineffective_first": ("bool", False),
                          "wait": ("duration", False), "rewait": ("duration", False)},
    "plan_open_minors": {"by": ("str", True)},
    "review": {"chair": ("str", True), "inputs": ("dict", False), "outputs": ("str", False),
               "actions": ("list", False)},
    "certify": {"date": ("date", False), "timeline": ("str", False), "say": ("str", False)},
    "reassess_until": {"before": ("date", True), "ahead": ("duration", True), "say": ("str", True)},
}
RESERVED = frozenset({"today", "done", "phase", "certificate", *CYCLE_ANCHORS})
PYTHON_TYPES = {"str": str, "int": int, "bool": bool, "list": list, "dict": dict}


@dataclass(frozen=True)
class Step:
    """One step of the journey: its number (from 1), kind and checked fields."""

    number: int
    kind: str
    fields: dict[str, Any]

    def where(self) -> str:
        """How an error names the step: "step 5 (audit)"."""
        return f"step {self.number} ({self.kind})"


@dataclass(frozen=True)
class Scenario:
    """A whole rehearsal, checked."""

    source: str
    program: dict[str, Any]
    people: list[dict[str, Any]]
    systems: list[dict[str, Any]]
    settings: dict[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)


def load_scenario(path: str | None = None) -> Scenario:
    """The scenario in FILE, or the built-in one; refused (InvalidInput) naming what is wrong."""
    if path is None:
        text = resources.files("aimsflow.scenarios").joinpath(BUILT_IN).read_text(encoding="utf-8")
        return parse_scenario(text, BUILT_IN)
    return parse_scenario(read_text(path, "scenario", "scenario"), path)


def parse_scenario(text: str, source: str) -> Scenario:
    """Check a scenario's text: sections, people, systems, and every step's kind and fields."""
    data = load_yaml(text, f"scenario {source}")
    if not isinstance(data, dict):
        raise InvalidInput(f"scenario {source}: expected a mapping with program, people, systems and steps")
    unknown = sorted(set(data) - {"program", "people", "systems", "settings", "steps"})
    if unknown:
        raise InvalidInput(f"scenario {source}: unknown section(s) {', '.join(map(str, unknown))}")
    program = _mapping(data.get("program"), f"scenario {source}: program")
    for name in ("name", "scope", "start"):
        if name not in program:
            raise InvalidInput(f"scenario {source}: program: field '{name}' is missing")
    if not isinstance(program["start"], date):
        raise InvalidInput(f"scenario {source}: program: field 'start' must be a date (YYYY-MM-DD)")
    people = [_mapping(p, f"scenario {source}: people {i}") for i, p in enumerate(_list(data, "people", source), 1)]
    for i, person in enumerate(people, 1):
        if not isinstance(person.get("name"), str) or not isinstance(person.get("roles"), list):
            raise InvalidInput(f"scenario {source}: people {i}: needs a name and a list of roles")
    systems = [_mapping(s, f"scenario {source}: systems {i}") for i, s in enumerate(_list(data, "systems", source), 1)]
    for i, system in enumerate(systems, 1):
        missing = [f for f in ("name", "purpose", "status", "risk_level", "owner") if f not in system]
        if missing:
            raise InvalidInput(f"scenario {source}: systems {i}: field '{missing[0]}' is missing")
    settings = _mapping(data.get("settings") or {}, f"scenario {source}: settings")
    audits: set[str] = set()
    findings: set[str] = set()
    steps = [_step(i, raw, source, audits, findings) for i, raw in enumerate(_list(data, "steps", source), 1)]
    return Scenario(source, program, people, systems, settings, steps)


def _list(data: dict[str, Any], name: str, source: str) -> list[Any]:
    value = data.get(name)
    if not isinstance(value, list) or not value:
        raise InvalidInput(f"scenario {source}: '{name}' must be a non-empty list")
    return value


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: expected a mapping")
    return value


def _step(number: int, raw: Any, source: str, audits: set[str], findings: set[str]) -> Step:
    where = f"scenario {source}: step {number}"
    if isinstance(raw, str):
        raw = {raw: None}
    if not isinstance(raw, dict) or len(raw) != 1:
        raise InvalidInput(f"{where}: expected one step kind, e.g. '- advance: 1m' ({', '.join(STEPS)})")
    ((kind, value),) = raw.items()
    spec = STEPS.get(kind)
    if spec is None:
        raise InvalidInput(f"{where}: unknown step '{kind}' (one of {', '.join(STEPS)})")
    where = f"{where} ({kind})"
    if value is None:
        value = {}
    elif not isinstance(value, dict):
        value = {next(iter(spec)): value}
    for name in sorted(set(value) - set(spec)):
        raise InvalidInput(f"{where}: unknown field '{name}' (fields: {', '.join(spec)})")
    for name, (kind_of, required) in spec.items():
        if name not in value:
            if required:
                raise InvalidInput(f"{where}: field '{name}' is missing")
            continue
        _check(value[name], kind_of, f"{where}: field '{name}'", audits, findings)
    for name in ("name",) if kind in ("audit", "finding") and "name" in value else ():
        if not isinstance(value[name], str) or not NAME.fullmatch(value[name]):
            raise InvalidInput(f"{where}: field 'name': '{value[name]}' must be a word (letters, digits, _)")
        if value[name] in RESERVED or value[name] in audits | findings:
            raise InvalidInput(f"{where}: field 'name': '{value[name]}' is taken")
    if kind == "audit":
        audits.add(value["name"])
    if kind == "finding" and "name" in value:
        findings.add(value["name"])
    return Step(number, kind, dict(value))


def _check(value: Any, kind_of: str, where: str, audits: set[str], findings: set[str]) -> None:
    if kind_of == "duration":
        try:
            parse_duration(str(value))
        except InvalidInput:
            raise InvalidInput(f"{where}: '{value}' is not a duration (e.g. 20d, 2w, 1m10d)") from None
    elif kind_of == "date":
        check_date_expression(value, audits, where)
    elif kind_of in ("audit", "finding"):
        names = audits if kind_of == "audit" else findings
        if value not in names:
            raise InvalidInput(f"{where}: no earlier step names {kind_of} '{value}'")
    elif not isinstance(value, PYTHON_TYPES[kind_of]) or (kind_of == "int" and isinstance(value, bool)):
        raise InvalidInput(f"{where}: expected {'a' if kind_of != 'int' else 'an'} {kind_of}, got {value!r}")


def split_date_expression(value: Any) -> tuple[str | date, list[tuple[int, str]]]:
    """(anchor, [(sign, duration), ...]) of a date expression; a YAML date is its own anchor."""
    if isinstance(value, date):
        return value, []
    m = EXPRESSION.fullmatch(str(value))
    if m is None:
        raise InvalidInput(f"'{value}' is not a date expression (e.g. today + 14d, stage1 - 1m)")
    terms = [(1 if sign == "+" else -1, duration) for sign, duration in TERM.findall(m.group(2))]
    anchor = m.group(1)
    return (date.fromisoformat(anchor) if anchor[0].isdigit() else anchor), terms


def check_date_expression(value: Any, audits: set[str], where: str) -> None:
    """Refuse a date expression whose anchor or terms are unknown (naming the field)."""
    try:
        anchor, terms = split_date_expression(value)
        for _, duration in terms:
            parse_duration(duration)
    except (InvalidInput, ValueError):
        raise InvalidInput(f"{where}: '{value}' is not a date expression (e.g. today + 14d, stage1 - 1m)") from None
    if isinstance(anchor, str) and anchor not in ("today", *CYCLE_ANCHORS) and anchor not in audits:
        raise InvalidInput(f"{where}: '{anchor}' is not today, a date, a cycle date ({', '.join(CYCLE_ANCHORS)}) "
                           "or the name of an earlier audit")
