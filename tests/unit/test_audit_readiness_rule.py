"""Audit readiness as one pure rule: each item a CB checks before an audit, named as the gates name theirs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from aimsflow.rules.audit_readiness import AuditReadinessFacts, ReviewHeld, SystemAssessment, missing_for_audit

SURVEILLANCE_DAY = date(2027, 3, 15)
REVIEW = ReviewHeld("MR-2", date(2026, 11, 2), frozenset("abcde"), "WI-40 done; WI-41 in progress",
                    previous="MR-1", previous_actions=("WI-40", "WI-41"))


def ready(**change: object) -> AuditReadinessFacts:
    """A program ready for its first surveillance audit; each test takes one thing away."""
    base = AuditReadinessFacts(
        "surveillance", SURVEILLANCE_DAY, internal_audits_closed=(date(2026, 10, 7),), reviews=(REVIEW,),
        previous_audit="AUD-5", previous_minors=(("NC-7", "action_implemented"),),
        evidence={"A.2.2": date(2027, 6, 1), "A.7.4": date(2027, 3, 15)},
        systems=(SystemAssessment("claims-triage", "current", date(2027, 9, 1)),),
        policy_reviewed_on=date(2026, 5, 4), audit_scope=("4.1", "A.2.2"))
    return replace(base, **change)  # type: ignore[arg-type]


def items(facts: AuditReadinessFacts) -> list[str]:
    return [m.text for m in missing_for_audit(facts)]


def test_a_program_that_kept_everything_up_is_ready() -> None:
    assert missing_for_audit(ready()) == []


def test_an_internal_audit_older_than_the_lookback_is_named() -> None:
    assert items(ready(internal_audits_closed=(date(2026, 3, 14),))) == [
        "internal audit: none closed between 2026-03-15 and 2027-03-15"]
    assert items(ready(internal_audits_closed=(date(2026, 3, 14),), lookback_months=13)) == []


def test_a_management_review_older_than_the_lookback_is_named() -> None:
    old = replace(REVIEW, held_on=date(2025, 11, 3))
    assert [m.code for m in missing_for_audit(ready(reviews=(old,)))] == ["management-review"]


def test_the_review_lacks_inputs_or_does_not_cover_the_previous_reviews_actions() -> None:
    partial = replace(REVIEW, inputs=frozenset("ade"), input_a="WI-40 done")
    assert items(ready(reviews=(partial,))) == [
        "management review MR-2: input (b), (c) missing",
        "management review MR-2: input (a) does not cover WI-41 (actions of MR-1)"]
    assert items(ready(reviews=(replace(REVIEW, input_a="WI-410 done, WI-40 done"),))) == [
        "management review MR-2: input (a) does not cover WI-41 (actions of MR-1)"], "a reference is matched whole"


def test_the_latest_review_in_the_window_is_the_one_judged() -> None:
    later = ReviewHeld("MR-3", date(2027, 2, 1), frozenset("abcd"), "", previous="MR-2")
    assert items(ready(reviews=(REVIEW, later))) == ["management review MR-3: input (e) missing"]
    assert items(ready(reviews=(later, REVIEW))) == ["management review MR-3: input (e) missing"], "by date"


def test_every_minor_of_the_previous_audit_needs_its_action_implemented() -> None:
    minors = (("NC-7", "action_planned"), ("NC-8", "closed"), ("NC-9", "raised"))
    assert items(ready(previous_minors=minors)) == [
        "NC-7: minor nonconformity of AUD-5 has no implemented action (action planned)",
        "NC-9: minor nonconformity of AUD-5 has no implemented action (raised)"]


def test_every_included_controls_evidence_must_be_valid_on_the_audit_date() -> None:
    evidence = {"A.2.2": date(2027, 3, 14), "A.5.2": None, "A.7.4": date(2027, 3, 15)}
    assert items(ready(evidence=evidence)) == [
        "A.2.2: evidence not valid on 2027-03-15 (valid until 2027-03-14)", "A.5.2: no accepted evidence"]


def test_every_in_scope_systems_impact_assessment_must_be_current_on_the_audit_date() -> None:
    systems = (SystemAssessment("claims-triage", "current", date(2027, 3, 1)),
               SystemAssessment("fraud-scoring", "stale"), SystemAssessment("new-chatbot", "required"),
               SystemAssessment("doc-extract", None))
    assert [(m.code, m.text) for m in missing_for_audit(ready(systems=systems))] == [
        ("impact-assessment:claims-triage",
         "AI system claims-triage: impact assessment not current on 2027-03-15 (its interval ends 2027-03-01)"),
        ("impact-assessment:fraud-scoring", "AI system fraud-scoring: impact assessment stale"),
        ("impact-assessment:new-chatbot", "AI system new-chatbot: no impact assessment"),
        ("impact-assessment:doc-extract", "AI system doc-extract: no impact assessment")]


def test_the_ai_policy_is_reviewed_within_its_interval() -> None:
    assert items(ready(policy_reviewed_on=date(2026, 3, 14))) == [
        "AI policy (A.2.4): last reviewed 2026-03-14, its review was due by 2027-03-14"]
    assert items(ready(policy_reviewed_on=date(2026, 3, 14), policy_review_interval_months=24)) == []
    assert items(ready(policy_reviewed_on=None)) == ["AI policy (A.2.4): never approved or reviewed"]


def test_recertification_asks_for_a_cycle_whose_internal_audits_covered_every_clause_and_control() -> None:
    facts = ready(kind="recertification", cycle_coverage=frozenset({"4.1"}))
    assert [(m.code, m.text) for m in missing_for_audit(facts)] == [
        ("audit-programme:A.2.2", "internal audit programme: A.2.2 not covered in cycle 1")]
    assert missing_for_audit(replace(facts, kind="surveillance")) == [], "surveillance samples: no full coverage"


def test_an_internal_audit_needs_no_readiness() -> None:
    assert missing_for_audit(ready(kind="internal", internal_audits_closed=(), reviews=())) == []


def test_every_item_has_a_subject_a_waiver_can_name() -> None:
    facts = ready(internal_audits_closed=(), reviews=(), evidence={"A.5.2": None}, policy_reviewed_on=None)
    assert [m.subject for m in missing_for_audit(facts)] == [
        "internal audit", "management review", "A.5.2", "AI policy (A.2.4)"]
