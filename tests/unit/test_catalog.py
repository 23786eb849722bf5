"""The ISO/IEC 42001 catalog data files and the deliverables each phase opens."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from aimsflow.catalog import load_catalog
from aimsflow.rules.deliverables import PLANS, Each, Kind, plan_for
from states.program import ProgramState

CATALOG = load_catalog()

CLAUSES = ["4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2",
           "6.3", "7.1", "7.2", "7.3", "7.4", "7.5", "8.1", "8.2", "8.3", "8.4", "9.1", "9.2", "9.3",
           "10.1", "10.2"]
GROUP_COUNTS = {"A.2": 3, "A.3": 2, "A.4": 5, "A.5": 4, "A.6": 9, "A.7": 5, "A.8": 4, "A.9": 3, "A.10": 3}
DOCUMENTED = {"4.3", "5.2", "6.1.3"}
RECORDS = {"6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "7.2", "8.1", "8.2", "8.3", "8.4", "9.1", "9.2",
           "9.3", "10.2"}
FIVE_PHASES = (ProgramState.GAP_ANALYSIS, ProgramState.FOUNDATION_BUILDING,
               ProgramState.CONTROLS_IMPLEMENTATION, ProgramState.TESTING_AND_REFINEMENT,
               ProgramState.CERTIFICATION_STAGE_1)
ROLES = {"program-manager", "owner", "top-management", "internal-auditor", "cb-auditor"}


# --- clauses -----------------------------------------------------------------------------------


def test_the_catalog_holds_the_27_clauses_4_1_to_10_2_in_order() -> None:
    assert CATALOG.clause_ids == CLAUSES
    assert len(CATALOG.clauses) == 27


def test_the_clauses_that_need_a_document_or_records_are_marked() -> None:
    assert {c.id for c in CATALOG.clauses if c.document} == DOCUMENTED
    assert {c.id for c in CATALOG.clauses if c.records} == RECORDS


def test_every_clause_has_a_title() -> None:
    assert all(c.title.strip() for c in CATALOG.clauses)
    assert CATALOG.title_of("9.3") == "management review"


# --- Annex A -----------------------------------------------------------------------------------


def test_annex_a_has_38_controls_not_39() -> None:
    assert len(CATALOG.controls) == 38
    assert len(set(CATALOG.control_ids)) == 38


def test_annex_a_has_nine_groups_with_3_2_5_4_9_5_4_3_3_controls() -> None:
    counts = Counter(c.group_id for c in CATALOG.controls)
    assert counts == GROUP_COUNTS
    assert list(dict.fromkeys(c.group_id for c in CATALOG.controls)) == list(GROUP_COUNTS)


def test_every_control_id_lies_in_its_group() -> None:
    for control in CATALOG.controls:
        assert control.id.startswith(control.group_id + "."), control.id
        assert control.title.strip() and control.group_title.strip()


@pytest.mark.parametrize("control", ["A.2.2", "A.4.6", "A.5.5", "A.6.1.2", "A.6.2.8", "A.7.6", "A.8.4",
                                     "A.9.4", "A.10.4"])
def test_known_controls_are_in_the_catalog(control: str) -> None:
    assert CATALOG.knows(control)


@pytest.mark.parametrize("ref", ["A.2.1", "A.6.2.9", "A.11.2", "A.7", "11.1", "6.1", "", "a.2.2"])
def test_ids_that_do_not_exist_are_unknown(ref: str) -> None:
    assert not CATALOG.knows(ref)
    with pytest.raises(KeyError):
        CATALOG.title_of(ref)


def test_clause_and_control_ids_do_not_overlap() -> None:
    assert not set(CATALOG.clause_ids) & set(CATALOG.control_ids)


# --- Annex C -----------------------------------------------------------------------------------


def test_annex_c_has_11_objectives_and_7_risk_sources() -> None:
    assert len(CATALOG.objectives) == len(set(CATALOG.objectives)) == 11
    assert len(CATALOG.risk_sources) == len(set(CATALOG.risk_sources)) == 7
    assert "fairness" in CATALOG.objectives and "transparency and explainability" in CATALOG.objectives
    assert "level of automation" in CATALOG.risk_sources and "technology readiness" in CATALOG.risk_sources


# --- EU AI Act ---------------------------------------------------------------------------------


def test_the_crosswalk_references_only_known_clauses_and_controls() -> None:
    assert CATALOG.crosswalk
    for entry in CATALOG.crosswalk:
        assert entry["refs"], entry["article"]
        unknown = [ref for ref in entry["refs"] if not CATALOG.knows(ref)]
        assert unknown == [], f'{entry["article"]}: {unknown}'


def test_the_crosswalk_has_one_entry_per_article() -> None:
    articles = [entry["article"] for entry in CATALOG.crosswalk]
    assert len(articles) == len(set(articles)) == 13
    assert {"Art. 4", "Art. 9", "Art. 10", "Art. 27", "Art. 73"} <= set(articles)


def test_quality_management_maps_to_every_clause() -> None:
    art_17 = next(e for e in CATALOG.crosswalk if e["article"] == "Art. 17")
    assert sorted(art_17["refs"]) == sorted(CLAUSES)


def test_the_act_dates_include_the_moved_high_risk_dates() -> None:
    dates = [date.fromisoformat(str(d["date"])) for d in CATALOG.act_dates]
    assert date(2027, 12, 2) in dates  # Annex III high-risk, moved from 2026-08-02
    assert date(2028, 8, 2) in dates  # Annex I product high-risk, moved from 2027-08-02
    assert dates == sorted(dates)
    assert dates[0] == date(2024, 8, 1)


def test_the_catalog_has_a_version() -> None:
    assert CATALOG.version.strip()


def test_the_catalog_is_loaded_once() -> None:
    assert load_catalog() is CATALOG


# --- deliverables ------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", FIVE_PHASES)
def test_every_one_of_the_five_phases_has_a_plan_with_deliverables(phase: ProgramState) -> None:
    plan = plan_for(phase.value)
    assert plan is not None
    assert plan.phase is phase
    assert plan.deliverables


def test_the_plans_are_the_five_phases_in_order() -> None:
    assert tuple(p.phase for p in PLANS) == FIVE_PHASES


@pytest.mark.parametrize("state", [s for s in ProgramState if s not in FIVE_PHASES])
def test_states_outside_the_five_phases_open_no_plan(state: ProgramState) -> None:
    assert plan_for(state.value) is None


def test_every_planned_length_lies_in_the_range_of_domain_md() -> None:
    ranges = {ProgramState.GAP_ANALYSIS: (1, 2), ProgramState.FOUNDATION_BUILDING: (2, 3),
              ProgramState.CONTROLS_IMPLEMENTATION: (3, 6), ProgramState.TESTING_AND_REFINEMENT: (2, 3),
              ProgramState.CERTIFICATION_STAGE_1: (2, 3)}
    for plan in PLANS:
        low, high = ranges[plan.phase]
        assert low <= plan.months <= high, plan.phase
    assert 10 <= sum(p.months for p in PLANS) <= 17


def test_every_deliverable_subject_that_is_not_a_template_is_a_known_clause_or_control() -> None:
    for plan in PLANS:
        for d in plan.deliverables:
            if "{" in d.subject:
                continue
            assert CATALOG.knows(d.subject), f"{plan.phase} {d.key}: {d.subject}"


def test_a_templated_subject_is_filled_once_per_clause_system_or_control() -> None:
    for plan in PLANS:
        for d in plan.deliverables:
            assert ("{ref}" in d.subject) == (d.each is not Each.ONCE), d.key


def test_deliverable_keys_are_unique_and_roles_are_known() -> None:
    keys = [d.key for p in PLANS for d in p.deliverables]
    assert len(keys) == len(set(keys))
    assert {d.role for p in PLANS for d in p.deliverables} <= ROLES


def test_the_items_the_gates_look_for_are_opened_by_their_phase() -> None:
    opened = {p.phase: {d.key: d for d in p.deliverables} for p in PLANS}
    # gap_analysis_gate: approved_by_top "roadmap-approval"
    assert opened[ProgramState.GAP_ANALYSIS]["roadmap-approval"].kind is Kind.APPROVAL
    # foundation_gate: accepted "scope" and "training", approved_by_top "policy-approval"
    assert {"scope", "training", "policy-approval"} <= set(opened[ProgramState.FOUNDATION_BUILDING])
    assert opened[ProgramState.FOUNDATION_BUILDING]["policy-approval"].kind is Kind.APPROVAL
    # testing_gate: accepted "tabletop"
    assert "tabletop" in opened[ProgramState.TESTING_AND_REFINEMENT]


def test_every_approval_goes_to_top_management() -> None:
    approvals = [d for p in PLANS for d in p.deliverables if d.kind is Kind.APPROVAL]
    assert approvals
    assert all(d.role == "top-management" for d in approvals)


def test_gap_analysis_assesses_every_clause_and_controls_need_evidence_per_included_control() -> None:
    gap = plan_for("gap_analysis")
    controls = plan_for("controls_implementation")
    assert gap is not None and controls is not None
    assert any(d.each is Each.CLAUSE and d.kind is Kind.CLAUSE_ASSESSMENT for d in gap.deliverables)
    assert any(d.each is Each.IN_SCOPE_SYSTEM and d.kind is Kind.IMPACT_ASSESSMENT for d in controls.deliverables)
    assert any(d.each is Each.INCLUDED_CONTROL and d.kind is Kind.EVIDENCE for d in controls.deliverables)


def test_the_digital_omnibus_dates_are_law_and_art_50_2_and_the_legacy_models_are_dated() -> None:
    by_date = {date.fromisoformat(str(d["date"])): d for d in CATALOG.act_dates}
    assert by_date[date(2027, 12, 2)]["status"] == "omnibus"
    assert by_date[date(2026, 12, 2)]["applies_to"] == "all"  # Art. 50(2) marking of AI-generated content
    assert by_date[date(2027, 8, 2)]["applies_to"] == "gpai"  # models on the market before 2025-08-02
    assert all(d["status"] in ("law", "omnibus") for d in CATALOG.act_dates)
