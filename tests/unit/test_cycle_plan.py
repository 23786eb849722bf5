"""The cycle's facts on a day (CyclePlan): booleans and dates the daily check acts on, no database."""

from __future__ import annotations

from datetime import date

import pytest

from aimsflow.rules.certification_cycle import CyclePlan, plan_certification_cycle
from states.audit import AuditKind
from states.program import ProgramState

DECISION = date(2027, 3, 2)  # expiry 2030-03-02; surveillance 1 by 2028-03-02, surveillance 2 in 2029
EXPIRY = date(2030, 3, 2)


def plan(state: ProgramState, today: date, **kw: object) -> CyclePlan:
    args: dict[str, object] = {"decision": DECISION, "expiry": EXPIRY, "preparation_lead_days": 60}
    args.update(kw)
    return plan_certification_cycle(state, today, **args)  # type: ignore[arg-type]


def test_a_program_without_a_certificate_has_no_windows_and_nothing_to_act_on() -> None:
    p = plan(ProgramState.CONTROLS_IMPLEMENTATION, date(2027, 1, 1), decision=None, expiry=None)
    assert p.windows is None and p.next_audit is None
    assert not (p.lapses or p.surveillance_1_missed or p.surveillance_2_missed or p.preparation_due
                or p.new_stage_2_required)


def test_a_new_stage_2_is_required_only_while_the_decision_is_pending() -> None:
    waiting = plan(ProgramState.CERTIFICATION_RESOLUTION, date(2027, 1, 1), decision=None, expiry=None,
                   new_stage_2_required=True)
    assert waiting.new_stage_2_required
    assert not plan(ProgramState.CERTIFIED, date(2027, 4, 1), new_stage_2_required=True).new_stage_2_required


def test_surveillance_1_is_missed_the_day_after_its_latest_date_not_on_it() -> None:
    assert not plan(ProgramState.CERTIFIED, date(2028, 3, 2)).surveillance_1_missed
    missed = plan(ProgramState.CERTIFIED, date(2028, 3, 3))
    assert missed.surveillance_1_missed and missed.missed_surveillance == 1 and not missed.lapses


def test_surveillance_2_is_missed_after_the_calendar_year_following_surveillance_1() -> None:
    done_late = date(2028, 5, 3)  # the second falls in 2029 either way
    assert not plan(ProgramState.SURVEILLANCE_1, date(2029, 12, 31),
                    surveillance_1_done_on=done_late).surveillance_2_missed
    missed = plan(ProgramState.SURVEILLANCE_1, date(2030, 1, 1), surveillance_1_done_on=done_late)
    assert missed.surveillance_2_missed and missed.missed_surveillance == 2


@pytest.mark.parametrize("state", [ProgramState.CERTIFIED, ProgramState.SURVEILLANCE_2, ProgramState.SUSPENDED,
                                   ProgramState.RECERTIFICATION])
def test_a_held_certificate_lapses_after_its_expiry_and_a_lapse_is_not_also_a_missed_surveillance(
        state: ProgramState) -> None:
    assert not plan(state, EXPIRY).lapses
    after = plan(state, date(2030, 3, 3))
    assert after.lapses and after.missed_surveillance is None
    assert after.windows is not None and after.windows.restorable_until == date(2030, 9, 2)


def test_a_lapsed_or_resolving_program_does_not_lapse_again() -> None:
    assert not plan(ProgramState.LAPSED, date(2031, 1, 1)).lapses
    assert not plan(ProgramState.CERTIFICATION_RESOLUTION, date(2031, 1, 1)).lapses


@pytest.mark.parametrize(("state", "label", "kind", "sequence", "latest"), [
    (ProgramState.CERTIFIED, "surveillance-1", AuditKind.SURVEILLANCE, 1, date(2028, 3, 2)),
    (ProgramState.SURVEILLANCE_1, "surveillance-2", AuditKind.SURVEILLANCE, 2, date(2029, 12, 31)),
    (ProgramState.SURVEILLANCE_2, "recertification", AuditKind.RECERTIFICATION, 1, EXPIRY),
])
def test_the_next_audit_follows_the_state_and_its_preparation_opens_the_lead_time_before_it(
        state: ProgramState, label: str, kind: AuditKind, sequence: int, latest: date) -> None:
    opens = date.fromordinal(latest.toordinal() - 60)
    before = plan(state, date.fromordinal(opens.toordinal() - 1))
    assert before.next_audit is not None
    assert (before.next_audit.label, before.next_audit.kind, before.next_audit.sequence,
            before.next_audit.latest, before.next_audit.preparation_opens) == (label, kind, sequence, latest, opens)
    assert not before.preparation_due
    assert plan(state, opens).preparation_due


def test_no_preparation_is_due_between_decision_and_certificate_or_after_a_lapse() -> None:
    for state in (ProgramState.RECERTIFICATION, ProgramState.LAPSED, ProgramState.SUSPENDED):
        p = plan(state, date(2029, 12, 30))
        assert p.next_audit is None and not p.preparation_due


def test_a_recertified_cycle_keeps_the_extended_expiry_not_the_decision_plus_three_years() -> None:
    p = plan(ProgramState.CERTIFIED, date(2030, 3, 1), decision=date(2029, 12, 20), expiry=date(2033, 3, 2))
    assert p.windows is not None
    assert (p.windows.expiry, p.windows.recertification_due, p.windows.surveillance_1_due) == (
        date(2033, 3, 2), date(2033, 3, 2), date(2030, 12, 20))
