"""The guards moved out of the services into aimsflow.rules: each named exactly, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from aimsflow.rules.audit_guards import HELD_IN, SCHEDULABLE_IN, AuditFacts, audit_may_close, audit_may_start
from aimsflow.rules.audit_readiness import AuditReadinessFacts, ReviewHeld
from aimsflow.rules.corrective_action import (
    NonconformityStep,
    effective,
    ineffective,
    is_concern,
    verifier_independent,
    verifier_role,
)
from aimsflow.rules.cycle_guards import previous_audit_closed, restorable
from aimsflow.rules.gates import (
    NonconformityFacts,
    ProgramFacts,
    SystemFacts,
    impact_assessment_gap,
    new_stage_2_needed,
    stage_1_cleared,
)
from aimsflow.rules.recurring import assessment_state
from aimsflow.rules.risk_acceptance import RiskAcceptance, above_criteria, acceptance_authorised
from aimsflow.rules.segregation import ReviewFacts, reviewer_independent

# --- reviewer_independent (work items and evidence) ----------------------------------------------


def test_nobody_accepts_their_own_evidence() -> None:
    facts = ReviewFacts("EV-7", "evidence", submitter_id=3, decider_id=3, decider="Priya Raman")
    assert reviewer_independent(facts) == [
        "EV-7: Priya Raman submitted it and cannot review it (nobody accepts their own evidence)"]


def test_someone_other_than_the_submitter_may_review_evidence() -> None:
    assert reviewer_independent(ReviewFacts("WI-4", "evidence", 3, 5, "Ben Okafor")) == []


def test_work_that_needs_no_review_is_accepted_by_its_own_assignee() -> None:
    assert reviewer_independent(ReviewFacts("WI-4", "document", 3, 3, "Priya Raman")) == []


def test_evidence_added_without_a_submitter_may_be_reviewed_by_anyone() -> None:
    assert reviewer_independent(ReviewFacts("EV-2", "evidence", None, 3, "Priya Raman")) == []


# --- the corrective-action loop -------------------------------------------------------------------


def step(**change: object) -> NonconformityStep:
    base = NonconformityStep("NC-3", "minor", "internal", implementer_id=4, actor_id=5, actor="Ines Costa",
                             effective=True)
    return replace(base, **change)  # type: ignore[arg-type]


def test_the_implementer_cannot_verify_their_own_action() -> None:
    assert verifier_independent(step(actor_id=4, actor="Priya Raman")) == [
        "NC-3: Priya Raman implemented the action and cannot verify it"]


def test_someone_else_verifies_an_internal_minor() -> None:
    assert verifier_independent(step()) == []


def test_a_major_from_a_certification_audit_is_verified_by_a_cb_auditor() -> None:
    major = step(severity="major", source="stage2", actor_is_cb_auditor=False)
    assert verifier_independent(major) == [
        "NC-3: a major from a stage2 audit is verified by the certification body: Ines Costa is not a cb-auditor"]
    assert verifier_independent(replace(major, actor_is_cb_auditor=True)) == []
    assert verifier_role("major", "stage2") == "cb-auditor"


def test_a_major_from_an_internal_audit_is_verified_by_an_internal_auditor() -> None:
    assert verifier_independent(step(severity="major", source="internal")) == []
    assert verifier_role("major", "internal") == "internal-auditor"


def test_a_verification_goes_one_way_only() -> None:
    assert (effective(step(effective=True)), ineffective(step(effective=True))) == (
        [], ["NC-3: the action was found effective"])
    assert (effective(step(effective=False)), ineffective(step(effective=False))) == (
        ["NC-3: the action was found ineffective"], [])


def test_only_a_stage_1_concern_is_resolved_directly() -> None:
    assert is_concern(step(severity="concern")) == []
    assert is_concern(step(severity="major")) == [
        "NC-3: only a Stage 1 concern is resolved directly; a major goes through the corrective-action loop"]


# --- accepting a residual risk --------------------------------------------------------------------


def acceptance(**change: object) -> RiskAcceptance:
    base = RiskAcceptance("RISK-2", residual=12, threshold=6, by="Tomas Reyes", by_top_management=False, reason=None)
    return replace(base, **change)  # type: ignore[arg-type]


def test_a_risk_within_the_criteria_is_accepted_by_anyone_responsible() -> None:
    assert acceptance_authorised(acceptance(residual=6)) == []


def test_above_the_criteria_an_owner_without_a_reason_is_refused_twice_over() -> None:
    assert acceptance_authorised(acceptance()) == [
        "RISK-2: residual 12 is above the criteria (6): Tomas Reyes is not top management",
        "RISK-2: a written reason is required above the criteria"]


def test_above_the_criteria_top_management_accepts_with_a_written_reason() -> None:
    assert acceptance_authorised(acceptance(by_top_management=True, reason="   ")) == [
        "RISK-2: a written reason is required above the criteria"]
    assert acceptance_authorised(acceptance(by_top_management=True, reason="manual review")) == []


def test_no_risk_is_accepted_before_the_criteria_are_recorded() -> None:
    assert acceptance_authorised(acceptance(threshold=None)) == [
        "RISK-2: risk acceptance criteria (6.1.1): not recorded"]


def test_a_score_equal_to_the_threshold_is_within_the_criteria() -> None:
    assert (above_criteria(6, 6), above_criteria(7, 6), above_criteria(None, 6), above_criteria(7, None)) == (
        False, True, False, False)


# --- the program's cycle --------------------------------------------------------------------------


def test_surveillance_2_waits_for_surveillance_1_to_close() -> None:
    facts = ProgramFacts(state="surveillance_1")
    assert previous_audit_closed(facts) == ["surveillance 1 audit: not closed"]
    assert previous_audit_closed(replace(facts, closed_surveillance=frozenset({1}))) == []


def test_recertification_waits_for_surveillance_2_to_close() -> None:
    facts = ProgramFacts(state="surveillance_2", closed_surveillance=frozenset({1}))
    assert previous_audit_closed(facts) == ["surveillance 2 audit: not closed"]


def lapsed(**change: object) -> ProgramFacts:
    base = ProgramFacts(state="lapsed", certificate_expiry=date(2029, 4, 27), today=date(2029, 6, 20),
                        decision_audit_closed=True)
    return replace(base, **change)  # type: ignore[arg-type]


def test_a_lapsed_certificate_is_restored_within_the_limit_once_the_decision_is_allowed() -> None:
    assert restorable(lapsed()) == []


def test_a_lapsed_certificate_past_the_limit_needs_a_new_stage_2() -> None:
    assert restorable(lapsed(today=date(2029, 10, 28))) == [
        "certificate expired 2029-04-27: past the restoration limit, a new Stage 2 is needed"]


def test_restoring_asks_the_decision_rule_too() -> None:
    unverified = NonconformityFacts("NC-9", "major", "action_planned", "recertification", False, True)
    assert restorable(lapsed(decision_audit_closed=False, nonconformities=(unverified,))) == [
        "the audit the decision rests on is not closed", "NC-9: major nonconformity not verified"]


def test_nothing_is_restored_without_a_certificate() -> None:
    assert restorable(lapsed(certificate_expiry=None)) == ["no certificate to restore"]


# --- audits ---------------------------------------------------------------------------------------

STAGE_1_END = date(2026, 2, 3)


def stage_2(**change: object) -> AuditFacts:
    base = AuditFacts("the stage2 audit on 2026-03-02", "stage2", date(2026, 3, 2), "certification_stage_1",
                      planned=False, first_stage_2=True, stage_1_ended=STAGE_1_END, auditors=("Marta Lind",),
                      scope=("4.1",))
    return replace(base, **change)  # type: ignore[arg-type]


def test_stage_1_follows_an_internal_audit_and_a_management_review() -> None:
    day = date(2026, 1, 12)
    ready = AuditReadinessFacts("stage1", day, policy_reviewed_on=date(2025, 3, 3),
                                internal_audits_closed=(date(2025, 10, 8),),
                                reviews=(ReviewHeld("MR-1", date(2025, 11, 3), frozenset("abcde"), "first review"),))
    facts = AuditFacts("AUD-3", "stage1", day, "certification_stage_1", planned=False,
                       readiness=replace(ready, internal_audits_closed=(), reviews=()))
    assert audit_may_start(facts) == ["internal audit: none closed between 2025-01-12 and 2026-01-12",
                                      "management review: none held between 2025-01-12 and 2026-01-12"]
    assert audit_may_start(replace(facts, readiness=ready)) == []


def test_stage_2_follows_a_closed_stage_1_with_every_concern_resolved() -> None:
    assert audit_may_start(stage_2()) == []
    assert audit_may_start(stage_2(stage_1_ended=None, open_concerns=("NC-1", "NC-4"))) == [
        "stage 1 audit: not closed", "NC-1: Stage 1 concern open", "NC-4: Stage 1 concern open"]


def test_stage_2_starts_within_the_configured_gap_after_stage_1() -> None:
    assert audit_may_start(stage_2(start=date(2026, 8, 4))) == [
        "Stage 2 on 2026-08-04 is more than 6 months after Stage 1 ended (2026-02-03); the latest start is 2026-08-03"]
    assert audit_may_start(stage_2(start=date(2026, 8, 4), stage_1_to_stage_2_months=9)) == []


def test_stage_2_does_not_start_before_stage_1_ended() -> None:
    assert audit_may_start(stage_2(start=date(2026, 2, 2))) == [
        "Stage 2 on 2026-02-02 is before Stage 1 ended (2026-02-03)"]


def test_a_new_stage_2_after_a_blocked_decision_is_not_held_to_the_stage_1_gap() -> None:
    later = stage_2(start=date(2027, 1, 11), program_state="certification_resolution", first_stage_2=False)
    assert audit_may_start(later) == []


def test_the_program_state_decides_which_audits_may_be_scheduled() -> None:
    facts = AuditFacts("the surveillance audit on 2027-03-15", "surveillance", date(2027, 3, 15),
                       "surveillance_2", planned=False)
    assert audit_may_start(facts) == [
        "a surveillance audit does not take place while the program is in surveillance_2 "
        "(allowed in: certified, surveillance_1, suspended)"]


def test_a_planned_audit_starts_in_the_state_its_scheduling_moved_the_program_to() -> None:
    second = AuditFacts("AUD-8", "surveillance", date(2028, 3, 13), "surveillance_2", planned=True)
    assert audit_may_start(second) == []
    assert audit_may_start(replace(second, program_state="withdrawn")) == [
        "a surveillance audit does not take place while the program is in withdrawn "
        "(allowed in: certified, surveillance_1, surveillance_2, suspended)"]


@pytest.mark.parametrize("kind", sorted(SCHEDULABLE_IN))
def test_every_state_an_audit_may_be_scheduled_in_is_one_it_may_be_held_in(kind: str) -> None:
    assert SCHEDULABLE_IN[kind] <= HELD_IN[kind]


def test_an_internal_audit_may_be_held_in_any_state() -> None:
    assert audit_may_start(AuditFacts("AUD-1", "internal", date(2025, 11, 3), "gap_analysis", planned=False)) == []


def test_an_audit_closes_with_its_auditors_and_a_scope() -> None:
    held = AuditFacts("AUD-4", "stage1", date(2026, 1, 12), "certification_stage_1", planned=True,
                      auditors=("Marta Lind",), scope=("4.1", "A.2.2"))
    assert audit_may_close(held) == []
    assert audit_may_close(replace(held, auditors=(), scope=())) == [
        "AUD-4: no auditor assigned", "AUD-4: no clause or control in its scope"]


def test_stage_1_clearance_is_one_rule_for_the_program_and_the_audit() -> None:
    concern = NonconformityFacts("NC-1", "concern", "raised", "stage1", False, False)
    program = ProgramFacts(stage_1_closed=True, nonconformities=(concern,))
    audit = stage_2(open_concerns=("NC-1",))
    assert stage_1_cleared(program) == audit_may_start(audit) == ["NC-1: Stage 1 concern open"]


# --- the parts the status flags and the reports ask -------------------------------------------------


def test_a_current_impact_assessment_past_its_interval_counts_as_stale() -> None:
    assert assessment_state("current", date(2027, 1, 10), date(2027, 1, 11)) == "stale"
    assert assessment_state("current", date(2027, 1, 10), date(2027, 1, 10)) == "current"
    assert assessment_state("required", date(2027, 1, 10), date(2027, 1, 11)) == "required"


def test_the_status_flag_and_the_controls_gate_name_a_stale_assessment_alike() -> None:
    stale = SystemFacts("chatbot", "deployed", "Ana", "high", True, "stale")
    assert impact_assessment_gap(stale) == "AI system chatbot: impact assessment stale"
    assert impact_assessment_gap(replace(stale, impact_assessment=None)) == "AI system chatbot: no impact assessment"
    assert impact_assessment_gap(replace(stale, in_scope=False)) is None


def test_a_new_stage_2_is_named_only_when_the_facts_call_for_one() -> None:
    assert new_stage_2_needed(ProgramFacts()) == []
    assert new_stage_2_needed(ProgramFacts(new_stage_2_required=True)) == [
        "a major stayed unverified past the limit after the last Stage 2 day: a new Stage 2 is needed"]


# --- impartiality, approvals, a new Stage 2 that stays required ------------------------------------


def test_an_internal_auditor_is_not_impartial_about_evidence_they_handled_or_actions_they_implemented() -> None:
    from aimsflow.rules.segregation import AuditorRecord, auditor_impartial

    record = AuditorRecord("Mei Ling Koh", owns=frozenset({"8.4"}), evidence=frozenset({"A.7.4"}),
                           implemented=frozenset({"9.1"}))
    assert auditor_impartial(record, ["4.1", "8.4", "9.1", "A.7.4"]) == [
        "Mei Ling Koh owns work on 8.4 and cannot audit it (auditors must be impartial)",
        "Mei Ling Koh submitted or accepted evidence for A.7.4 and cannot audit it (auditors must be impartial)",
        "Mei Ling Koh implemented the corrective action on 9.1 and cannot audit it (auditors must be impartial)"]
    assert auditor_impartial(record, ["4.1", "9.2"]) == []


def test_only_top_management_may_hold_an_approval() -> None:
    from aimsflow.rules.assignment import may_hold

    assert may_hold("WI-3", "approval", "Priya Raman", {"program-manager"}) == [
        "WI-3 is an approval: Priya Raman is not top management (only top management approves)"]
    assert may_hold("WI-3", "approval", "David Chua", {"top-management"}) == []
    assert may_hold("WI-4", "document", "Priya Raman", {"program-manager"}) == []


def test_a_new_stage_2_stays_required_until_one_is_scheduled() -> None:
    from aimsflow.rules.gates import NEW_STAGE_2_TO_HOLD, new_stage_2_to_hold

    back = ProgramFacts(state="certification_stage_2", decision_audit_closed=True)
    assert new_stage_2_to_hold(back) == [NEW_STAGE_2_TO_HOLD]
    assert new_stage_2_to_hold(replace(back, stage_2_open=True)) == []
    assert new_stage_2_to_hold(replace(back, decision_audit_closed=False)) == [], "the first Stage 2"


# --- findings between audits, suspension and withdrawal --------------------------------------------


def test_a_certification_audits_minor_is_verified_by_a_cb_auditor_of_a_later_audit() -> None:
    minor = step(source="stage2", actor_is_cb_auditor=True, actor_at_audit="AUD-9")
    assert verifier_independent(minor) == []
    assert verifier_independent(replace(minor, actor_at_audit=None)) == [
        "NC-3: a minor from a stage2 audit is verified at the certification body's next audit: Ines Costa audits "
        "no later certification audit that is planned or in progress"]
    assert verifier_independent(replace(minor, actor_is_cb_auditor=False)) == [
        "NC-3: a minor from a stage2 audit is verified by the certification body at its next audit: Ines Costa is "
        "not a cb-auditor"]
    assert verifier_role("minor", "surveillance") == "cb-auditor"
    assert verifier_role("minor", "internal") == "internal-auditor"


def test_only_earlier_certification_audits_minors_left_unverified_are_raised_when_an_audit_closes() -> None:
    from aimsflow.rules.findings import OpenMinor, unaddressed_minors

    minors = [OpenMinor("NC-1", "minor", "stage2", date(2026, 3, 5), verified=False),
              OpenMinor("NC-2", "minor", "stage2", date(2026, 3, 5), verified=True),
              OpenMinor("NC-3", "minor", "internal", date(2026, 2, 1), verified=False),
              OpenMinor("NC-4", "minor", "surveillance", date(2027, 3, 16), verified=False)]
    assert unaddressed_minors("surveillance", date(2027, 3, 15), minors) == ["NC-1"]
    assert unaddressed_minors("internal", date(2027, 3, 15), minors) == []


def test_each_open_finding_is_due_by_an_audit_or_a_date() -> None:
    from aimsflow.rules.findings import DueBy, due_by

    nxt = DueBy("surveillance-1", date(2027, 4, 27))
    assert due_by("minor", "stage2", None, nxt, date(2026, 5, 1)) == nxt
    assert due_by("major", "surveillance", date(2027, 6, 14), nxt, None) == DueBy(None, date(2027, 6, 14))
    assert due_by("minor", "internal", None, nxt, date(2026, 5, 1)) == DueBy(None, date(2026, 5, 1))
    assert due_by("concern", "stage1", None, nxt, None) == DueBy("Stage 2", None)
    assert str(nxt) == "the surveillance-1 audit (2027-04-27)"


def test_a_suspension_is_resolved_cause_by_cause_and_withdraws_the_day_after_its_limit() -> None:
    from aimsflow.rules.suspension import majors_past_deadline, unresolved_causes, withdrawal_date, withdrawal_due

    ncs = [NonconformityFacts("NC-7", "major", "raised", "surveillance", False, False, date(2027, 6, 14)),
           NonconformityFacts("NC-8", "major", "effectiveness_verified", "surveillance", True, True,
                              date(2027, 6, 14))]
    assert majors_past_deadline(ncs, date(2027, 6, 14)) == []
    assert majors_past_deadline(ncs, date(2027, 6, 15)) == ["NC-7"]
    assert unresolved_causes(["NC-7", "surveillance 1"], ["NC-8"], [2]) == [
        "suspended for NC-7: major not verified by its deadline: not verified yet",
        "suspended for surveillance 1 audit missed: the audit is not closed yet"]
    assert unresolved_causes(["NC-7", "surveillance 1"], ["NC-7"], [1]) == []
    assert withdrawal_date(date(2027, 6, 15), 6) == date(2027, 12, 15)
    assert not withdrawal_due(date(2027, 6, 15), date(2027, 12, 15), 6, ["NC-7"])
    assert withdrawal_due(date(2027, 6, 15), date(2027, 12, 16), 6, ["NC-7"])
    assert not withdrawal_due(date(2027, 6, 15), date(2027, 12, 16), 6, [])
