"""The lifecycles of states/: declared transitions fire, everything else is refused with its reasons."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from states import LIFECYCLES
from states.ai_system import AI_SYSTEM
from states.audit import AUDIT
from states.evidence import EVIDENCE
from states.impact_assessment import IMPACT_ASSESSMENT
from states.incident import INCIDENT
from states.machine import (
    Lifecycle,
    Transition,
    TransitionRefused,
    allowed_triggers,
    fire,
    machine_for,
    mermaid,
)
from states.nonconformity import NONCONFORMITY
from states.program import PROGRAM, ProgramState
from states.risk import RISK
from states.work_item import WORK_ITEM

Check = Callable[[str], list[str]]
REPO_ROOT = Path(__file__).resolve().parents[2]


# --- fakes for the guard check ------------------------------------------------------------------


def all_pass(_guard: str) -> list[str]:
    return []


def only(*passing: str) -> Check:
    """A check under which the named guards pass and every other guard names one missing item."""

    def check(guard: str) -> list[str]:
        return [] if guard in passing else [f"{guard}: not met"]

    return check


def missing(**items: list[str]) -> Check:
    """A check under which the named guards miss the given items and every other guard passes."""

    def check(guard: str) -> list[str]:
        return list(items.get(guard, []))

    return check


class RecordingCheck:
    """Passes the guards it is told to pass and remembers every guard it was asked about."""

    def __init__(self, *passing: str, everything: bool = False) -> None:
        self.passing = set(passing)
        self.everything = everything
        self.asked: list[str] = []

    def __call__(self, guard: str) -> list[str]:
        self.asked.append(guard)
        return [] if self.everything or guard in self.passing else [f"{guard}: not met"]


def walk(lifecycle: Lifecycle, start: str, steps: list[tuple[str, str]], check: Check = all_pass) -> None:
    """Fire each (trigger, expected state) in turn and assert where each step lands."""
    state = start
    for trigger, expected in steps:
        new_state = fire(lifecycle, state, trigger, check)
        assert new_state == expected, f"{state} --{trigger}--> {new_state}, expected {expected}"
        state = new_state


# --- the data the parametrized tests range over -------------------------------------------------


def all_triggers(lifecycle: Lifecycle) -> list[str]:
    return list(dict.fromkeys(t.trigger for t in lifecycle.transitions))


def declared_moves() -> Iterator[tuple[Lifecycle, Transition, str]]:
    for lc in LIFECYCLES.values():
        for t in lc.transitions:
            for source in t.sources:
                yield lc, t, source


def forbidden_moves() -> Iterator[tuple[Lifecycle, str, str]]:
    for lc in LIFECYCLES.values():
        for state in lc.states:
            allowed = lc.triggers_from(state.value)
            for trigger in all_triggers(lc):
                if trigger not in allowed:
                    yield lc, state.value, trigger


def final_states() -> Iterator[tuple[Lifecycle, str]]:
    for lc in LIFECYCLES.values():
        for state in sorted(lc.final):
            yield lc, state


DECLARED = list(declared_moves())
FORBIDDEN = list(forbidden_moves())
FINAL = list(final_states())


def test_the_nine_lifecycles_are_registered_under_their_names() -> None:
    assert LIFECYCLES == {
        "program": PROGRAM,
        "audit": AUDIT,
        "nonconformity": NONCONFORMITY,
        "work_item": WORK_ITEM,
        "evidence": EVIDENCE,
        "risk": RISK,
        "impact_assessment": IMPACT_ASSESSMENT,
        "incident": INCIDENT,
        "ai_system": AI_SYSTEM,
    }


def test_every_lifecycle_contributes_declared_and_forbidden_moves_to_the_parametrized_tests() -> None:
    assert {lc.name for lc, _, _ in DECLARED} == set(LIFECYCLES)
    assert {lc.name for lc, _, _ in FORBIDDEN} == set(LIFECYCLES)


# --- every declared transition ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifecycle", "transition", "source"),
    DECLARED,
    ids=[f"{lc.name}:{src}-{t.trigger}->{t.dest}" for lc, t, src in DECLARED],
)
def test_every_declared_transition_fires_from_each_source_to_its_destination_when_its_guards_pass(
    lifecycle: Lifecycle, transition: Transition, source: str
) -> None:
    # Only this transition's guards pass, so a sibling candidate of the same trigger cannot win.
    assert fire(lifecycle, source, transition.trigger, only(*transition.guards)) == str(transition.dest)


GUARDED = [(lc, t, src, g) for lc, t, src in DECLARED for g in t.guards]


@pytest.mark.parametrize(
    ("lifecycle", "transition", "source", "guard"),
    GUARDED,
    ids=[f"{lc.name}:{src}-{t.trigger}->{t.dest}[{g}]" for lc, t, src, g in GUARDED],
)
def test_a_guarded_transition_does_not_fire_to_its_destination_when_one_of_its_guards_fails(
    lifecycle: Lifecycle, transition: Transition, source: str, guard: str
) -> None:
    item = f"{guard} is missing something"
    try:
        new_state = fire(lifecycle, source, transition.trigger, missing(**{guard: [item]}))
    except TransitionRefused as refused:
        assert item in refused.missing
        assert item in str(refused)
    else:  # a sibling candidate without this guard may legitimately take over
        assert new_state != str(transition.dest)


# --- the important paths, by hand ---------------------------------------------------------------


def test_a_program_passes_the_five_phases_in_order_and_each_advance_asks_its_own_gate() -> None:
    state = "gap_analysis"
    for gate, expected in [
        ("gap_analysis_gate", "foundation_building"),
        ("foundation_gate", "controls_implementation"),
        ("controls_gate", "testing_and_refinement"),
        ("testing_gate", "certification_stage_1"),
    ]:
        check = RecordingCheck(everything=True)
        state = fire(PROGRAM, state, "advance", check)
        assert state == expected
        assert check.asked == [gate]


def test_a_program_is_certified_through_stage_1_stage_2_and_resolution_then_runs_the_cycle() -> None:
    walk(
        PROGRAM,
        "gap_analysis",
        [
            ("advance", "foundation_building"),
            ("advance", "controls_implementation"),
            ("advance", "testing_and_refinement"),
            ("advance", "certification_stage_1"),
            ("start_stage_2", "certification_stage_2"),
            ("close_stage_2", "certification_resolution"),
            ("certify", "certified"),
            ("start_surveillance_1", "surveillance_1"),
            ("start_surveillance_2", "surveillance_2"),
            ("start_recertification", "recertification"),
            ("recertify", "certified"),
            ("start_surveillance_1", "surveillance_1"),
        ],
    )


def test_advance_does_not_move_a_program_past_stage_1_because_audits_drive_certification() -> None:
    with pytest.raises(TransitionRefused) as refused:
        fire(PROGRAM, "certification_stage_1", "advance", all_pass)
    assert refused.value.allowed == ["start_stage_2", "withdraw"]


def test_stage_2_cannot_start_while_stage_1_concerns_are_open() -> None:
    with pytest.raises(TransitionRefused) as refused:
        fire(PROGRAM, "certification_stage_1", "start_stage_2", missing(stage_1_cleared=["concern C-3 open"]))
    assert refused.value.missing == ["concern C-3 open"]


def test_a_failing_gate_lists_every_missing_item_in_the_message_and_in_missing() -> None:
    items = ["committee lacks: hr", "AI policy: not approved by top management"]
    with pytest.raises(TransitionRefused) as refused:
        fire(PROGRAM, "foundation_building", "advance", missing(foundation_gate=items))
    error = refused.value
    assert error.missing == items
    for item in items:
        assert item in str(error)
    assert error.state == "foundation_building"
    assert error.trigger == "advance"
    assert error.allowed == ["advance", "withdraw"]


def test_a_guarded_trigger_fired_without_a_check_is_refused_rather_than_let_through() -> None:
    with pytest.raises(TransitionRefused) as refused:
        fire(PROGRAM, "gap_analysis", "advance")
    assert "gap_analysis_gate" in str(refused.value)


def test_an_unguarded_trigger_fires_without_a_check() -> None:
    assert fire(PROGRAM, "certification_stage_2", "close_stage_2") == "certification_resolution"


def test_a_lapsed_certificate_is_restored_when_restorable() -> None:
    walk(PROGRAM, "surveillance_2", [("lapse", "lapsed"), ("restore", "certified")])


def test_a_lapsed_certificate_that_is_not_restorable_is_refused_and_needs_a_new_stage_2() -> None:
    with pytest.raises(TransitionRefused) as refused:
        fire(PROGRAM, "lapsed", "restore", missing(restorable=["lapsed more than 6 months ago"]))
    assert refused.value.missing == ["lapsed more than 6 months ago"]
    assert fire(PROGRAM, "lapsed", "require_new_stage_2") == "certification_stage_2"


def test_an_unverified_major_after_stage_2_sends_the_program_back_to_a_new_stage_2() -> None:
    assert fire(PROGRAM, "certification_resolution", "require_new_stage_2") == "certification_stage_2"


@pytest.mark.parametrize(
    ("origin", "guard"),
    [
        ("certified", "suspended_from_certified"),
        ("surveillance_1", "suspended_from_surveillance_1"),
        ("surveillance_2", "suspended_from_surveillance_2"),
    ],
)
def test_a_suspended_program_is_reinstated_to_the_state_it_was_suspended_from(
    origin: str, guard: str
) -> None:
    assert fire(PROGRAM, origin, "suspend") == "suspended"
    assert fire(PROGRAM, "suspended", "reinstate", only(guard, "suspension_resolved")) == origin


def test_a_suspension_whose_cause_is_unresolved_is_not_lifted() -> None:
    unresolved = ["suspended for NC-7: major not verified by its deadline: not verified yet"]
    with pytest.raises(TransitionRefused) as refused:
        fire(PROGRAM, "suspended", "reinstate", missing(suspension_resolved=unresolved,
                                                        suspended_from_certified=[]))
    assert unresolved[0] in refused.value.missing


def test_a_reinstatement_that_matches_no_origin_lists_the_items_of_every_candidate() -> None:
    with pytest.raises(TransitionRefused) as refused:
        fire(PROGRAM, "suspended", "reinstate", only("suspension_resolved"))
    assert refused.value.missing == [
        "suspended_from_certified: not met",
        "suspended_from_surveillance_1: not met",
        "suspended_from_surveillance_2: not met",
        "suspended_from_recertification: not met",
    ]


def test_a_withdrawn_program_allows_nothing_and_says_so() -> None:
    assert fire(PROGRAM, "lapsed", "withdraw") == "withdrawn"
    with pytest.raises(TransitionRefused) as refused:
        fire(PROGRAM, "withdrawn", "restore", all_pass)
    assert refused.value.allowed == []
    assert "none (final state)" in str(refused.value)


def test_a_nonconformity_runs_its_full_loop_with_one_ineffective_verification_before_closing() -> None:
    ineffective = only("verifier_independent", "ineffective")
    effective = only("verifier_independent", "effective")
    walk(
        NONCONFORMITY,
        "raised",
        [
            ("correct", "correction"),
            ("analyse", "root_cause_analysis"),
            ("plan", "action_planned"),
            ("implement", "action_implemented"),
        ],
    )
    assert fire(NONCONFORMITY, "action_implemented", "verify", ineffective) == "root_cause_analysis"
    walk(
        NONCONFORMITY,
        "root_cause_analysis",
        [("analyse", "root_cause_analysis"), ("plan", "action_planned"), ("implement", "action_implemented")],
    )
    assert fire(NONCONFORMITY, "action_implemented", "verify", effective) == "effectiveness_verified"
    assert fire(NONCONFORMITY, "effectiveness_verified", "close") == "closed"


def test_verification_asks_every_guard_of_both_outcomes_once() -> None:
    check = RecordingCheck("verifier_independent", "effective")
    assert fire(NONCONFORMITY, "action_implemented", "verify", check) == "effectiveness_verified"
    assert sorted(check.asked) == ["effective", "ineffective", "verifier_independent"]


def test_the_person_who_implemented_an_action_cannot_verify_it() -> None:
    check = missing(verifier_independent=["Ana implemented the action"], ineffective=["action was effective"])
    with pytest.raises(TransitionRefused) as refused:
        fire(NONCONFORMITY, "action_implemented", "verify", check)
    assert "Ana implemented the action" in refused.value.missing
    assert refused.value.missing.count("Ana implemented the action") == 1


@pytest.mark.parametrize("start", ["raised", "correction"])
def test_a_stage_1_concern_is_resolved_directly_without_the_corrective_action_loop(start: str) -> None:
    assert fire(NONCONFORMITY, start, "resolve", only("is_concern")) == "closed"


def test_a_major_cannot_be_resolved_as_if_it_were_a_concern() -> None:
    with pytest.raises(TransitionRefused) as refused:
        fire(NONCONFORMITY, "raised", "resolve", missing(is_concern=["finding is a major nonconformity"]))
    assert refused.value.missing == ["finding is a major nonconformity"]


def test_a_closed_nonconformity_cannot_be_reopened_or_reverified() -> None:
    for trigger in ("correct", "analyse", "verify", "resolve"):
        with pytest.raises(TransitionRefused):
            fire(NONCONFORMITY, "closed", trigger, all_pass)


def test_a_work_item_is_submitted_rejected_reworked_and_accepted() -> None:
    walk(
        WORK_ITEM,
        "open",
        [
            ("submit", "submitted"),
            ("reject", "rejected"),
            ("submit", "submitted"),
            ("accept", "accepted"),
        ],
    )


def test_an_overdue_work_item_escalates_twice_and_can_still_be_submitted() -> None:
    walk(
        WORK_ITEM,
        "open",
        [
            ("start", "in_progress"),
            ("mark_overdue", "overdue"),
            ("escalate", "escalated"),  # to the program manager
            ("escalate", "escalated"),  # then to top management
            ("submit", "submitted"),
        ],
    )


def test_a_work_item_cannot_be_accepted_by_its_own_owner() -> None:
    with pytest.raises(TransitionRefused) as refused:
        fire(WORK_ITEM, "submitted", "accept", missing(reviewer_independent=["Bo owns this work item"]))
    assert refused.value.missing == ["Bo owns this work item"]


def test_an_accepted_work_item_allows_nothing() -> None:
    assert allowed_triggers(WORK_ITEM, "accepted") == []
    with pytest.raises(TransitionRefused):
        fire(WORK_ITEM, "accepted", "reject", all_pass)


def test_evidence_is_submitted_accepted_and_expires() -> None:
    walk(EVIDENCE, "requested", [("submit", "submitted"), ("accept", "accepted"), ("expire", "expired")])


def test_rejected_evidence_is_submitted_again() -> None:
    walk(EVIDENCE, "requested", [("submit", "submitted"), ("reject", "rejected"), ("submit", "submitted")])


def test_evidence_cannot_be_reviewed_by_its_submitter() -> None:
    for trigger in ("accept", "reject"):
        with pytest.raises(TransitionRefused) as refused:
            fire(EVIDENCE, "submitted", trigger, missing(reviewer_independent=["Cy submitted it"]))
        assert refused.value.missing == ["Cy submitted it"]


def test_expired_evidence_allows_nothing() -> None:
    with pytest.raises(TransitionRefused) as refused:
        fire(EVIDENCE, "expired", "submit", all_pass)
    assert refused.value.allowed == []


def test_an_impact_assessment_goes_stale_after_a_significant_change_and_is_current_once_redone() -> None:
    walk(
        IMPACT_ASSESSMENT,
        "required",
        [("complete", "current"), ("invalidate", "stale"), ("complete", "current"), ("complete", "current")],
    )


def test_a_risk_above_the_criteria_is_accepted_only_when_authorised() -> None:
    walk(RISK, "identified", [("assess", "assessed"), ("treat", "treated")])
    with pytest.raises(TransitionRefused) as refused:
        fire(RISK, "treated", "accept", missing(acceptance_authorised=["no top-management acceptance"]))
    assert refused.value.missing == ["no top-management acceptance"]
    walk(RISK, "treated", [("accept", "accepted"), ("close", "closed")], only("acceptance_authorised"))


def test_an_audit_is_started_and_closed_only_when_allowed() -> None:
    check = only("audit_may_start", "audit_may_close")
    walk(AUDIT, "planned", [("start", "in_progress"), ("close", "closed")], check)
    with pytest.raises(TransitionRefused):
        fire(AUDIT, "in_progress", "close", missing(audit_may_close=["finding F-1 has no severity"]))


def test_an_ai_system_is_developed_deployed_and_retired() -> None:
    walk(AI_SYSTEM, "planned", [("develop", "in-development"), ("deploy", "deployed"), ("retire", "retired")])


# --- every forbidden trigger --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifecycle", "state", "trigger"),
    FORBIDDEN,
    ids=[f"{lc.name}:{state}-{trigger}" for lc, state, trigger in FORBIDDEN],
)
def test_a_trigger_not_declared_from_a_state_is_refused_naming_the_state_the_trigger_and_the_allowed_triggers(
    lifecycle: Lifecycle, state: str, trigger: str
) -> None:
    with pytest.raises(TransitionRefused) as refused:
        fire(lifecycle, state, trigger, all_pass)
    error = refused.value
    message = str(error)
    assert (error.state, error.trigger) == (state, trigger)
    assert error.allowed == lifecycle.triggers_from(state)
    assert error.missing == []
    assert state in message
    assert f"'{trigger}'" in message
    for allowed in error.allowed:
        assert allowed in message
    if not error.allowed:
        assert "none (final state)" in message


@pytest.mark.parametrize(("lifecycle", "state"), FINAL, ids=[f"{lc.name}:{state}" for lc, state in FINAL])
def test_a_final_state_allows_no_trigger_at_all(lifecycle: Lifecycle, state: str) -> None:
    assert allowed_triggers(lifecycle, state) == []
    for trigger in all_triggers(lifecycle):
        with pytest.raises(TransitionRefused):
            fire(lifecycle, state, trigger, all_pass)


@pytest.mark.parametrize("lifecycle", LIFECYCLES.values(), ids=list(LIFECYCLES))
def test_every_state_is_reachable_from_the_initial_state(lifecycle: Lifecycle) -> None:
    reached = {lifecycle.initial.value}
    frontier = [lifecycle.initial.value]
    while frontier:
        state = frontier.pop()
        for trigger in lifecycle.triggers_from(state):
            dest = fire(lifecycle, state, trigger, all_pass)
            if dest not in reached:
                reached.add(dest)
                frontier.append(dest)
    assert reached == {s.value for s in lifecycle.states}


@pytest.mark.parametrize("lifecycle", LIFECYCLES.values(), ids=list(LIFECYCLES))
def test_a_state_with_no_way_out_is_declared_final(lifecycle: Lifecycle) -> None:
    dead_ends = {s.value for s in lifecycle.states if not lifecycle.triggers_from(s.value)}
    assert dead_ends == set(lifecycle.final)


# --- the diagram and the shared machine ---------------------------------------------------------


@pytest.mark.parametrize("lifecycle", LIFECYCLES.values(), ids=list(LIFECYCLES))
def test_the_mermaid_diagram_is_a_state_diagram_naming_every_state(lifecycle: Lifecycle) -> None:
    diagram = mermaid(lifecycle)
    assert diagram.startswith("stateDiagram-v2")
    named: set[str] = set()
    for line in diagram.splitlines()[1:]:
        if "-->" in line:
            left, right = line.split("-->", 1)
            named.add(left.strip())
            named.add(right.split(":", 1)[0].strip())
    assert {s.value for s in lifecycle.states} <= named


def test_the_mermaid_diagram_is_the_same_in_every_process() -> None:
    code = "from states import PROGRAM; from states.machine import mermaid; print(mermaid(PROGRAM))"
    outputs = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO_ROOT)}
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=REPO_ROOT
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_each_lifecycle_has_one_shared_machine() -> None:
    for lifecycle in LIFECYCLES.values():
        assert machine_for(lifecycle) is machine_for(lifecycle)
    assert machine_for(PROGRAM) is not machine_for(WORK_ITEM)


def test_the_shared_machines_do_not_grow_after_many_fires() -> None:
    for _ in range(20):
        for lifecycle, transition, source in DECLARED:
            fire(lifecycle, source, transition.trigger, only(*transition.guards))
        for lifecycle, state, trigger in FORBIDDEN[:50]:
            with pytest.raises(TransitionRefused):
                fire(lifecycle, state, trigger, all_pass)
    for lifecycle in LIFECYCLES.values():
        assert len(machine_for(lifecycle).models) <= 1  # the one reused token, never one per row


def test_fire_returns_a_plain_string_state() -> None:
    assert type(fire(PROGRAM, "gap_analysis", "advance", all_pass)) is str


def test_fire_accepts_a_state_enum_member_as_well_as_its_value() -> None:
    assert fire(PROGRAM, ProgramState.GAP_ANALYSIS, "advance", all_pass) == "foundation_building"


def test_a_remembered_decision_is_the_shared_machines_own_answer() -> None:
    from states import machine

    machine._decided.clear()
    for lifecycle, transition, source in DECLARED:
        first = fire(lifecycle, source, transition.trigger, only(*transition.guards))  # the machine decides
        again = fire(lifecycle, source, transition.trigger, only(*transition.guards))  # remembered
        assert first == again == str(transition.dest)
    assert machine._decided, "decisions are remembered"
