"""Which committee function a work item belongs to: clauses by area, Annex A controls by topic, deliverables by kind."""

from __future__ import annotations

from aimsflow.catalog import load_catalog
from aimsflow.rules.assignment import function_for
from models.people import CommitteeFunction


def test_clauses_go_by_their_area_with_the_most_specific_area_winning() -> None:
    assert function_for(key="clause:4.1", subject="4.1", role="owner") == "legal"
    assert function_for(key="clause:4.3", subject="4.3", role="owner") == "compliance"
    assert function_for(key="clause:7.2", subject="7.2", role="owner") == "hr"
    assert function_for(key="clause:7.1", subject="7.1", role="owner") == "operations"
    assert function_for(key="clause:8.2", subject="8.2", role="owner") == "technology"
    assert function_for(key="clause:10.2", subject="10.2", role="owner") == "compliance"


def test_annex_a_controls_go_by_their_topic() -> None:
    assert function_for(key="evidence:A.6.2.4", subject="A.6.2.4", role="owner") == "technology"
    assert function_for(key="evidence:A.4.6", subject="A.4.6", role="owner") == "hr"
    assert function_for(key="evidence:A.4.3", subject="A.4.3", role="owner") == "operations"
    assert function_for(key="evidence:A.10.3", subject="A.10.3", role="owner") == "legal"


def test_a_deliverable_goes_by_what_it_is_not_by_its_clause() -> None:
    assert function_for(key="training", subject="7.3", role="owner") == "hr"
    assert function_for(key="processes", subject="8.1", role="owner") == "technology"


def test_work_of_other_roles_and_unknown_subjects_has_no_function_so_any_holder_of_the_role_fits() -> None:
    assert function_for(key="roadmap", subject="6.3", role="program-manager") is None
    assert function_for(key="policy-approval", subject="5.2", role="top-management") is None
    assert function_for(key="nc:3", subject="NC-3", role="owner") is None


def test_every_clause_and_annex_a_control_of_the_catalog_has_a_committee_function() -> None:
    catalog = load_catalog()
    functions = {f.value for f in CommitteeFunction}
    refs = catalog.clause_ids + catalog.control_ids
    assert {ref: function_for(key=f"x:{ref}", subject=ref, role="owner") for ref in refs if
            function_for(key=f"x:{ref}", subject=ref, role="owner") not in functions} == {}
