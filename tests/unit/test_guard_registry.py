"""The guard registry: every guard a lifecycle declares is implemented once, and nothing else is registered."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from aimsflow.rules.gates import ProgramFacts
from aimsflow.rules.registry import FACTS, GUARDS, check_for, declared_guards
from aimsflow.rules.segregation import ReviewFacts
from states import LIFECYCLES
from states.machine import TransitionRefused, fire
from states.work_item import WORK_ITEM

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("lifecycle", sorted(LIFECYCLES))
def test_every_guard_a_lifecycle_declares_has_an_implementation(lifecycle: str) -> None:
    unimplemented = declared_guards(LIFECYCLES[lifecycle]) - set(GUARDS.get(lifecycle, {}))
    assert not unimplemented, f"{lifecycle} declares guards with no function in the registry: {unimplemented}"


@pytest.mark.parametrize("lifecycle", sorted(LIFECYCLES))
def test_every_registered_guard_is_declared_by_its_lifecycle(lifecycle: str) -> None:
    undeclared = set(GUARDS.get(lifecycle, {})) - declared_guards(LIFECYCLES[lifecycle])
    assert not undeclared, f"the registry implements guards {lifecycle} never declares: {undeclared}"


def test_the_registry_names_only_lifecycles_that_exist() -> None:
    assert set(GUARDS) <= set(LIFECYCLES)
    assert set(FACTS) == {name for name, lc in LIFECYCLES.items() if declared_guards(lc)}


def test_a_lifecycle_with_guards_names_the_facts_they_judge() -> None:
    for name in GUARDS:
        assert name in FACTS, f"{name} has guards but no facts type"


def test_the_parameterised_suspension_guards_are_one_function_per_state() -> None:
    guards = {name: g for name, g in GUARDS["program"].items() if name.startswith("suspended_from_")}
    assert sorted(guards) == ["suspended_from_certified", "suspended_from_recertification",
                              "suspended_from_surveillance_1", "suspended_from_surveillance_2"]
    facts = ProgramFacts(suspended_from="surveillance_1")
    assert guards["suspended_from_surveillance_1"](facts) == []
    assert guards["suspended_from_certified"](facts) == ["suspended from surveillance_1"]


def test_check_for_refuses_facts_of_another_lifecycle() -> None:
    with pytest.raises(TypeError, match="ReviewFacts"):
        check_for("work_item", ProgramFacts())


def test_check_for_refuses_a_lifecycle_that_does_not_exist() -> None:
    with pytest.raises(KeyError, match="no lifecycle named 'invoice'"):
        check_for("invoice", ProgramFacts())


def test_a_waiver_lets_the_missing_item_it_names_pass() -> None:
    check = check_for("program", ProgramFacts(), waived=["roadmap"])
    assert "roadmap: not approved by top management" not in check("gap_analysis_gate")
    assert "roadmap: not approved by top management" in check_for("program", ProgramFacts())("gap_analysis_gate")


def test_the_machine_fires_on_the_registry_s_answer() -> None:
    own = ReviewFacts("WI-3", "evidence", 7, 7, "Priya Raman")
    with pytest.raises(TransitionRefused) as refused:
        fire(WORK_ITEM, "submitted", "accept", check_for(WORK_ITEM, own))
    assert refused.value.missing == [
        "WI-3: Priya Raman submitted it and cannot review it (nobody accepts their own evidence)"]
    other = ReviewFacts("WI-3", "evidence", 7, 8, "Ben Okafor")
    assert fire(WORK_ITEM, "submitted", "accept", check_for(WORK_ITEM, other)) == "accepted"


def test_no_guard_in_the_application_is_a_closure_that_always_passes() -> None:
    found = []
    for path in sorted((ROOT / "aimsflow").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.keyword) and node.arg == "check" and isinstance(node.value, ast.Lambda):
                found.append(f"{path.relative_to(ROOT)}:{node.value.lineno}")
    assert not found, f"guard checks written as lambdas (ask aimsflow.rules.registry instead): {found}"


def test_no_service_builds_its_own_guard_check_as_a_nested_function() -> None:
    found = []
    for path in sorted((ROOT / "aimsflow" / "services").rglob("*.py")):
        for outer in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(outer, ast.FunctionDef):
                found += [f"{path.relative_to(ROOT)}:{inner.lineno}" for inner in ast.walk(outer)
                          if inner is not outer and isinstance(inner, ast.FunctionDef) and inner.name == "check"]
    assert not found, f"guard logic in a service (move it to aimsflow.rules): {found}"
