"""The phase gates of DOMAIN.md: a complete program passes, and every missing fact is named exactly."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aimsflow.catalog import load_catalog
from aimsflow.rules import gates
from aimsflow.rules.gates import (
    COMMITTEE_FUNCTIONS,
    GATES,
    NonconformityFacts,
    ProgramFacts,
    SystemFacts,
    controls_gate,
    decision_allowed,
    foundation_gate,
    gap_analysis_gate,
    stage_1_cleared,
    waivable,
)

CATALOG = load_catalog()
CLAUSES = tuple(CATALOG.clause_ids)
CONTROLS = tuple(CATALOG.control_ids)
ADDED = "ORG.1"  # a control the organization adds to Annex A
EXCLUDED = "A.10.4"  # no customers: excluded, with a justification

CHATBOT = SystemFacts("chatbot", "deployed", "Ana", "high", True, "current")
SCORING = SystemFacts("credit scoring", "in-development", "Ben", "limited", True, "current")
OCR = SystemFacts("legacy ocr", "deployed", "Chen", "minimal", False, None)  # out of scope


def nc(ref: str, severity: str, state: str = "closed", *, source: str = "stage_2",
       verified: bool = True, action_planned: bool = True) -> NonconformityFacts:
    return NonconformityFacts(ref, severity, state, source, verified, action_planned)


def complete() -> ProgramFacts:
    """A program that satisfies every gate of every phase."""
    soa = {c: (c != EXCLUDED, f"risk assessment R-{i}") for i, c in enumerate(CONTROLS, start=1)}
    soa[ADDED] = (True, "customer contract clause 12")
    included = [c for c, (inc, _) in soa.items() if inc]
    return ProgramFacts(
        clause_ids=CLAUSES,
        control_ids=CONTROLS,
        systems=(CHATBOT, SCORING, OCR),
        clause_assessments={c: ("partial", "policy exists, no records yet") for c in CLAUSES},
        accepted_items=frozenset({"inventory", "roadmap", "scope", "policy", "training", "tabletop"}),
        approved_by_top=frozenset({"roadmap-approval", "policy-approval"}),
        committee_functions=frozenset(COMMITTEE_FUNCTIONS),
        risk_threshold=12,
        soa=soa,
        added_controls=(ADDED,),
        evidence={c: "accepted" for c in included},
        internal_audit_coverage=frozenset({*CLAUSES, *included}),
        review_inputs=(frozenset("abcde"),),
        nonconformities=(
            nc("NC-1", "concern", source="stage_1"),
            nc("NC-2", "major", source="internal_audit"),
            nc("NC-3", "minor", "action_planned", source="internal_audit", verified=False),
        ),
        decision_nonconformities=(
            nc("NC-4", "major", "effectiveness_verified"),
            nc("NC-5", "minor", "action_planned", verified=False),
            nc("NC-6", "ofi", "raised", verified=False, action_planned=False),
        ),
        stage_1_closed=True,
        decision_audit_closed=True,
        new_stage_2_required=False,
    )


def without_soa(facts: ProgramFacts, *controls: str) -> dict[str, tuple[bool, str]]:
    return {c: d for c, d in facts.soa.items() if c not in controls}


def with_system(facts: ProgramFacts, system: SystemFacts) -> ProgramFacts:
    others = tuple(s for s in facts.systems if s.name != system.name)
    return replace(facts, systems=(system, *others))


# --- every gate passes on a complete program ---------------------------------------------------


@pytest.mark.parametrize("gate", sorted(GATES))
def test_every_gate_passes_a_program_that_has_everything(gate: str) -> None:
    assert GATES[gate](complete()) == []


def test_the_gates_table_holds_the_six_gates_by_their_function_names() -> None:
    expected = [gap_analysis_gate, foundation_gate, controls_gate, gates.testing_gate, stage_1_cleared,
                decision_allowed]
    assert sorted(GATES) == sorted(g.__name__ for g in expected)
    assert all(GATES[g.__name__] is g for g in expected)


# --- phase 1: gap analysis ---------------------------------------------------------------------


def test_gap_analysis_names_an_empty_inventory() -> None:
    assert gap_analysis_gate(replace(complete(), systems=())) == ["inventory: no AI systems recorded"]


@pytest.mark.parametrize(("field", "name"), [
    ("status", "status"), ("owner", "owner"), ("risk_level", "risk level"), ("in_scope", "in-scope flag"),
])
def test_gap_analysis_names_each_missing_inventory_field(field: str, name: str) -> None:
    facts = with_system(complete(), replace(CHATBOT, **{field: None}))  # type: ignore[arg-type]
    assert gap_analysis_gate(facts) == [f"AI system chatbot: no {name}"]


def test_gap_analysis_names_every_missing_field_of_one_system_in_one_line() -> None:
    blank = SystemFacts("chatbot", None, "", None, None)
    assert gap_analysis_gate(with_system(complete(), blank)) == [
        "AI system chatbot: no status, owner, risk level, in-scope flag"]


def test_gap_analysis_accepts_a_system_explicitly_out_of_scope() -> None:
    facts = replace(complete(), systems=(OCR,))
    assert gap_analysis_gate(facts) == []


def test_gap_analysis_names_an_unassessed_clause() -> None:
    assessments = {c: a for c, a in complete().clause_assessments.items() if c != "6.1.2"}
    assert gap_analysis_gate(replace(complete(), clause_assessments=assessments)) == [
        "clause 6.1.2: not assessed"]


def test_gap_analysis_names_a_clause_assessment_without_a_note() -> None:
    assessments = {**complete().clause_assessments, "9.3": ("gap", "   ")}
    assert gap_analysis_gate(replace(complete(), clause_assessments=assessments)) == [
        "clause 9.3: assessment has no note"]


def test_gap_analysis_needs_the_roadmap_approved_by_top_management() -> None:
    facts = replace(complete(), approved_by_top=frozenset({"policy-approval"}))
    assert gap_analysis_gate(facts) == ["roadmap: not approved by top management"]


def test_gap_analysis_lists_every_missing_item_at_once() -> None:
    facts = replace(
        with_system(complete(), replace(CHATBOT, owner=None)),
        clause_assessments={},
        approved_by_top=frozenset(),
    )
    missing = gap_analysis_gate(facts)
    expected = {"AI system chatbot: no owner", "roadmap: not approved by top management",
                *(f"clause {c}: not assessed" for c in CLAUSES)}
    assert set(missing) == expected
    assert len(missing) == len(expected) == 2 + 27


# --- phase 2: foundation building --------------------------------------------------------------


def test_foundation_names_the_one_missing_committee_function() -> None:
    facts = replace(complete(), committee_functions=frozenset(COMMITTEE_FUNCTIONS) - {"hr"})
    assert foundation_gate(facts) == ["committee lacks: hr"]


def test_foundation_names_every_missing_committee_function_in_one_line() -> None:
    facts = replace(complete(), committee_functions=frozenset({"technology", "compliance", "operations"}))
    assert foundation_gate(facts) == ["committee lacks: legal, hr"]


@pytest.mark.parametrize(("change", "item"), [
    ({"accepted_items": frozenset({"training"})}, "AIMS scope (4.3): not recorded"),
    ({"approved_by_top": frozenset({"roadmap-approval"})}, "AI policy (5.2): not approved by top management"),
    ({"risk_threshold": None}, "risk acceptance criteria (6.1.1): not recorded"),
    ({"accepted_items": frozenset({"scope"})}, "awareness training (7.3): no attendance records"),
])
def test_foundation_names_each_missing_fact(change: dict[str, object], item: str) -> None:
    assert foundation_gate(replace(complete(), **change)) == [item]  # type: ignore[arg-type]


def test_foundation_does_not_count_a_policy_accepted_by_someone_other_than_top_management() -> None:
    # "policy" and "policy-approval" accepted as work items, but no top-management approval on record.
    facts = replace(complete(), accepted_items=complete().accepted_items | {"policy-approval"},
                    approved_by_top=frozenset({"roadmap-approval"}))
    assert foundation_gate(facts) == ["AI policy (5.2): not approved by top management"]


def test_foundation_lists_every_missing_item_at_once() -> None:
    facts = replace(complete(), accepted_items=frozenset(), approved_by_top=frozenset(),
                    committee_functions=frozenset(), risk_threshold=None)
    assert set(foundation_gate(facts)) == {
        "AIMS scope (4.3): not recorded",
        "committee lacks: technology, legal, compliance, operations, hr",
        "AI policy (5.2): not approved by top management",
        "risk acceptance criteria (6.1.1): not recorded",
        "awareness training (7.3): no attendance records",
    }


# --- phase 3: controls implementation ----------------------------------------------------------


def test_controls_names_a_control_without_a_decision() -> None:
    facts = replace(complete(), soa=without_soa(complete(), "A.7.4"))
    assert controls_gate(facts) == ["A.7.4: no decision"]


def test_controls_names_a_control_without_a_justification() -> None:
    facts = replace(complete(), soa={**complete().soa, "A.7.4": (True, "  ")})
    assert controls_gate(facts) == ["A.7.4: no justification"]


def test_controls_names_an_exclusion_without_a_justification() -> None:
    facts = replace(complete(), soa={**complete().soa, EXCLUDED: (False, "")})
    assert controls_gate(facts) == [f"{EXCLUDED}: no justification"]


def test_controls_needs_a_decision_on_an_added_control_too() -> None:
    facts = replace(complete(), soa=without_soa(complete(), ADDED))
    assert controls_gate(facts) == [f"{ADDED}: no decision"]


def test_controls_names_a_stale_impact_assessment() -> None:
    facts = with_system(complete(), replace(CHATBOT, impact_assessment="stale"))
    assert controls_gate(facts) == ["AI system chatbot: impact assessment stale"]


@pytest.mark.parametrize("assessment", [None, "required"])
def test_controls_names_an_in_scope_system_without_a_current_impact_assessment(assessment: str | None) -> None:
    facts = with_system(complete(), replace(SCORING, impact_assessment=assessment))
    assert controls_gate(facts) == ["AI system credit scoring: no impact assessment"]


@pytest.mark.parametrize("in_scope", [False, None])
def test_controls_needs_no_impact_assessment_for_a_system_out_of_scope(in_scope: bool | None) -> None:
    for assessment in (None, "required", "stale"):
        facts = with_system(complete(), replace(OCR, in_scope=in_scope, impact_assessment=assessment))
        assert controls_gate(facts) == []


def test_controls_names_expired_evidence() -> None:
    facts = replace(complete(), evidence={**complete().evidence, "A.6.2.8": "expired"})
    assert controls_gate(facts) == ["A.6.2.8: evidence expired"]


@pytest.mark.parametrize("status", [None, "submitted", "rejected", "requested"])
def test_controls_names_an_included_control_without_accepted_evidence(status: str | None) -> None:
    evidence = {c: s for c, s in complete().evidence.items() if c != "A.5.2"}
    if status is not None:
        evidence["A.5.2"] = status
    assert controls_gate(replace(complete(), evidence=evidence)) == ["A.5.2: no accepted evidence"]


def test_controls_needs_evidence_for_an_added_included_control() -> None:
    evidence = {c: s for c, s in complete().evidence.items() if c != ADDED}
    assert controls_gate(replace(complete(), evidence=evidence)) == [f"{ADDED}: no accepted evidence"]


def test_controls_needs_no_evidence_for_an_excluded_control() -> None:
    facts = complete()
    assert EXCLUDED not in facts.evidence
    assert controls_gate(facts) == []
    # Even expired or rejected evidence on an excluded control does not matter.
    assert controls_gate(replace(facts, evidence={**facts.evidence, EXCLUDED: "expired"})) == []


def test_controls_lists_every_missing_item_at_once() -> None:
    base = complete()
    facts = replace(
        with_system(base, replace(CHATBOT, impact_assessment="stale")),
        soa={**without_soa(base, "A.2.3"), "A.7.4": (True, "")},
        evidence={**{c: s for c, s in base.evidence.items() if c != "A.9.2"}, "A.6.2.8": "expired"},
    )
    missing = controls_gate(facts)
    assert set(missing) == {
        "A.2.3: no decision",
        "A.7.4: no justification",
        "AI system chatbot: impact assessment stale",
        "A.6.2.8: evidence expired",
        "A.9.2: no accepted evidence",
    }
    assert len(missing) == 5


# --- phase 4: testing and refinement (through `gates.`: pytest would collect "testing_gate") -------


def test_testing_names_an_included_control_the_internal_audit_missed() -> None:
    facts = replace(complete(), internal_audit_coverage=complete().internal_audit_coverage - {"A.5.2"})
    assert gates.testing_gate(facts) == ["internal audit: A.5.2 not covered"]


def test_testing_names_a_clause_the_internal_audit_missed() -> None:
    facts = replace(complete(), internal_audit_coverage=complete().internal_audit_coverage - {"9.2"})
    assert gates.testing_gate(facts) == ["internal audit: 9.2 not covered"]


def test_testing_does_not_need_audit_coverage_of_an_excluded_control() -> None:
    facts = complete()
    assert EXCLUDED not in facts.internal_audit_coverage
    assert gates.testing_gate(facts) == []


def test_testing_needs_audit_coverage_of_an_added_included_control() -> None:
    facts = replace(complete(), internal_audit_coverage=complete().internal_audit_coverage - {ADDED})
    assert gates.testing_gate(facts) == [f"internal audit: {ADDED} not covered"]


def test_testing_names_a_management_review_not_held() -> None:
    assert gates.testing_gate(replace(complete(), review_inputs=())) == ["management review: not held"]


def test_testing_names_the_missing_management_review_input() -> None:
    facts = replace(complete(), review_inputs=(frozenset("abde"),))
    assert gates.testing_gate(facts) == ["management review: input (c) missing"]


def test_testing_names_every_missing_management_review_input_in_one_line() -> None:
    facts = replace(complete(), review_inputs=(frozenset("bd"),))
    assert gates.testing_gate(facts) == ["management review: input (a), (c), (e) missing"]


def test_testing_accepts_one_complete_review_among_incomplete_ones() -> None:
    facts = replace(complete(), review_inputs=(frozenset("ab"), frozenset("abcde"), frozenset()))
    assert gates.testing_gate(facts) == []


def test_testing_names_an_open_major_nonconformity() -> None:
    facts = replace(complete(), nonconformities=(nc("NC-3", "major", "action_implemented", verified=False),))
    assert gates.testing_gate(facts) == ["NC-3: major nonconformity open"]


def test_testing_is_not_held_up_by_an_open_minor_or_an_opportunity_for_improvement() -> None:
    facts = replace(complete(), nonconformities=(
        nc("NC-7", "minor", "raised", verified=False, action_planned=False),
        nc("NC-8", "ofi", "raised", verified=False, action_planned=False),
    ))
    assert gates.testing_gate(facts) == []


def test_testing_needs_the_tabletop_exercise_recorded() -> None:
    facts = replace(complete(), accepted_items=complete().accepted_items - {"tabletop"})
    assert gates.testing_gate(facts) == ["incident-response tabletop (A.8.4): not recorded"]


def test_testing_lists_every_missing_item_at_once() -> None:
    base = complete()
    facts = replace(
        base,
        internal_audit_coverage=base.internal_audit_coverage - {"A.5.2", "10.2"},
        review_inputs=(frozenset("abde"),),
        nonconformities=(nc("NC-3", "major", "raised", verified=False),),
        accepted_items=base.accepted_items - {"tabletop"},
    )
    missing = gates.testing_gate(facts)
    assert set(missing) == {
        "internal audit: A.5.2 not covered",
        "internal audit: 10.2 not covered",
        "management review: input (c) missing",
        "NC-3: major nonconformity open",
        "incident-response tabletop (A.8.4): not recorded",
    }
    assert len(missing) == 5


# --- certification: Stage 1 and the decision ---------------------------------------------------


def test_stage_2_waits_for_stage_1_to_close() -> None:
    assert stage_1_cleared(replace(complete(), stage_1_closed=False)) == ["stage 1 audit: not closed"]


@pytest.mark.parametrize("state", ["raised", "correction", "action_planned", "effectiveness_verified"])
def test_stage_2_waits_for_every_stage_1_concern_to_close(state: str) -> None:
    facts = replace(complete(), nonconformities=(nc("NC-2", "concern", state, source="stage_1"),))
    assert stage_1_cleared(facts) == ["NC-2: Stage 1 concern open"]


def test_stage_1_clearance_lists_the_audit_and_every_open_concern_at_once() -> None:
    facts = replace(complete(), stage_1_closed=False, nonconformities=(
        nc("NC-1", "concern", "raised"), nc("NC-2", "concern"), nc("NC-3", "concern", "correction"),
        nc("NC-4", "minor", "raised"),
    ))
    assert stage_1_cleared(facts) == [
        "stage 1 audit: not closed", "NC-1: Stage 1 concern open", "NC-3: Stage 1 concern open"]


def test_the_decision_is_refused_while_a_major_is_unverified() -> None:
    major = nc("NC-3", "major", "action_implemented", verified=False)
    facts = replace(complete(), nonconformities=(major,), decision_nonconformities=(major,))
    assert decision_allowed(facts) == ["NC-3: major nonconformity not verified"]


def test_the_decision_is_refused_while_a_minor_has_no_action_plan() -> None:
    facts = replace(complete(), decision_nonconformities=(
        nc("NC-5", "minor", "root_cause_analysis", verified=False, action_planned=False),))
    assert decision_allowed(facts) == ["NC-5: minor nonconformity has no action plan"]


def test_the_decision_ignores_opportunities_for_improvement_and_minors_of_other_audits() -> None:
    facts = replace(
        complete(),
        decision_nonconformities=(nc("NC-6", "ofi", "raised", verified=False, action_planned=False),),
        nonconformities=(nc("NC-9", "minor", "raised", verified=False),),  # an internal audit's, elsewhere
    )
    assert decision_allowed(facts) == []


def test_the_decision_is_refused_while_a_major_of_any_audit_is_unverified() -> None:
    facts = replace(complete(), nonconformities=(nc("NC-9", "major", "action_implemented", verified=False),))
    assert decision_allowed(facts) == ["NC-9: major nonconformity not verified"]


def test_the_decision_waits_for_its_audit_to_close() -> None:
    assert decision_allowed(replace(complete(), decision_audit_closed=False)) == [
        "the audit the decision rests on is not closed"]


def test_the_decision_is_refused_when_a_new_stage_2_is_required() -> None:
    missing = decision_allowed(replace(complete(), new_stage_2_required=True))
    assert len(missing) == 1
    assert "new Stage 2" in missing[0]


def test_the_decision_lists_every_reason_at_once() -> None:
    raised = (
        nc("NC-3", "major", "raised", verified=False),
        nc("NC-4", "major", "effectiveness_verified"),
        nc("NC-7", "major", "correction", verified=False),
        nc("NC-5", "minor", "raised", verified=False, action_planned=False),
    )
    facts = replace(complete(), decision_audit_closed=False, new_stage_2_required=True,
                    nonconformities=raised, decision_nonconformities=raised)
    missing = decision_allowed(facts)
    assert len(missing) == 5
    assert missing[0] == "the audit the decision rests on is not closed"
    assert "new Stage 2" in missing[1]
    assert missing[2:] == ["NC-3: major nonconformity not verified", "NC-7: major nonconformity not verified",
                           "NC-5: minor nonconformity has no action plan"]


# --- waivers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("item", [
    "committee lacks: hr",
    "A.7.4: no justification",
    "AI system chatbot: impact assessment stale",
    "roadmap: not approved by top management",
    "the audit the decision rests on is not closed",
])
def test_a_waiver_matches_a_whole_missing_item(item: str) -> None:
    assert waivable(item, item)


def test_a_waiver_ignores_case_and_surrounding_spaces() -> None:
    assert waivable("committee lacks: hr", "  Committee Lacks: HR ")
    assert waivable("A.7.4: no justification", " a.7.4 ")


@pytest.mark.parametrize(("item", "subject"), [
    ("AI system chatbot: impact assessment stale", "AI system chatbot"),
    ("A.7.4: no justification", "A.7.4"),
    ("management review: input (c) missing", "management review"),
    ("internal audit: A.5.2 not covered", "internal audit"),
    ("NC-3: major nonconformity not verified", "NC-3"),
])
def test_a_waiver_matches_the_subject_before_the_colon(item: str, subject: str) -> None:
    assert waivable(item, subject)


@pytest.mark.parametrize(("item", "waiver"), [
    ("A.7.4: no justification", "A.7"),
    ("A.7.4: no justification", "A.7.4: no"),
    ("A.7.4: no justification", "no justification"),
    ("AI system chatbot: impact assessment stale", "chatbot"),
    ("AI system chatbot: impact assessment stale", "AI system chat"),
    ("committee lacks: hr", "hr"),
    ("committee lacks: hr", "committee"),
    ("management review: input (c) missing", "management"),
    ("NC-3: major nonconformity not verified", "NC-30"),
    ("NC-30: major nonconformity not verified", "NC-3"),
    ("roadmap: not approved by top management", ""),
])
def test_a_waiver_does_not_match_a_partial_word_or_a_different_item(item: str, waiver: str) -> None:
    assert not waivable(item, waiver)

