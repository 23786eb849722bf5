"""The scenario's steps (aimsflow/scenario.py), each one call of the service the CLI command calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aimsflow.catalog import load_catalog
from aimsflow.clock import parse_duration
from aimsflow.scenario import Step
from aimsflow.services import audits, certification, findings, inventory, nonconformities, reviews, risks, soa
from aimsflow.services.lookup import get_program

if TYPE_CHECKING:
    from aimsflow.demo import Demo


def run_step(demo: Demo, step: Step) -> None:
    """Run one step of the scenario."""
    STEPS[step.kind](demo, step.fields)


def _advance(demo: Demo, f: dict[str, Any]) -> None:
    demo.advance(parse_duration(str(f["by"])))


def _clock(demo: Demo, f: dict[str, Any]) -> None:
    demo.set_clock(demo.day(f["to"]))


def _complete_work(demo: Demo, f: dict[str, Any]) -> None:
    demo.done += demo.complete_open_work(f.get("reviewer"))


def _phase(demo: Demo, f: dict[str, Any]) -> None:
    demo.advance_phase()
    if f.get("say"):
        demo.say(f["say"])
    demo.done = 0


def _risk_criteria(demo: Demo, f: dict[str, Any]) -> None:
    with demo.uow() as uow:
        risks.set_criteria(uow, get_program(uow.session, demo.key), threshold=f["threshold"], scale=f.get("scale", 5))


def _soa(demo: Demo, f: dict[str, Any]) -> None:
    """Every Annex A control included with one justification, except those excluded with their own."""
    excluded = {str(k): str(v) for k, v in (f.get("exclude") or {}).items()}
    with demo.uow() as uow:
        program = get_program(uow.session, demo.key)
        for control in load_catalog().control_ids:
            include = control not in excluded
            soa.set_entry(uow, program, control, include=include,
                          justification=excluded.get(control, f["justification"]),
                          status=f.get("status") if include else None)


def _risk(demo: Demo, f: dict[str, Any]) -> None:
    with demo.uow() as uow:
        rid = risks.add_risk(uow, get_program(uow.session, demo.key), title=f["title"], source=f.get("source"),
                             system=f.get("system"), owner=f.get("owner"))
        risks.assess_risk(uow, rid, likelihood=f["likelihood"], impact=f["impact"])
        risks.treat_risk(uow, rid, treatment=f["treatment"], residual_likelihood=f["residual_likelihood"],
                         residual_impact=f["residual_impact"], plan=f.get("plan"), controls=f.get("controls"))
        risks.accept_risk(uow, rid, by=f["accepted_by"], reason=f.get("reason"))


def _significant_change(demo: Demo, f: dict[str, Any]) -> None:
    with demo.uow() as uow:
        inventory.record_significant_change(uow, get_program(uow.session, demo.key), f["system"], reason=f["reason"])
    if f.get("say"):
        demo.say(f["say"])


def _audit(demo: Demo, f: dict[str, Any]) -> None:
    on = demo.day(f["date"])
    with demo.uow() as uow:
        ref = audits.schedule_audit(uow, get_program(uow.session, demo.key), f["kind"], on=on,
                                    auditors=[str(a) for a in f["auditors"]], days=f.get("days"))
    demo.names[f["name"]] = {"ref": ref, "on": on}


def _finding(demo: Demo, f: dict[str, Any]) -> None:
    with demo.uow() as uow:
        found = findings.add_finding(uow, demo.names[f["audit"]]["ref"], severity=f["severity"],
                                     ref_id=str(f["ref"]), text=f["text"])
    if f.get("name"):
        demo.names[f["name"]] = found


def _close_audit(demo: Demo, f: dict[str, Any]) -> None:
    audit = demo.names[f["audit"]]
    with demo.uow() as uow:
        audits.close_audit(uow, audit["ref"])
    if f.get("timeline"):
        demo.timeline.append((f["timeline"], audit["on"].isoformat()))


def _nc(demo: Demo, f: dict[str, Any]) -> None:
    with demo.uow() as uow:
        nonconformities.advance_nonconformity(uow, demo.names[f["finding"]]["nonconformity"], f["trigger"],
                                              by=f["by"], note=f.get("note"), effective=f.get("effective"))


def _corrective_action(demo: Demo, f: dict[str, Any]) -> None:
    """The loop of a finding's nonconformity; optionally the first action fails verification."""
    nc, verifier = demo.names[f["finding"]]["nonconformity"], f["verifier"]
    steps = [("correct", f["by"]), ("analyse", f["by"]), ("plan", f["by"]), ("implement", f["implemented_by"])]
    with demo.uow() as uow:
        for trig, who in steps:
            nonconformities.advance_nonconformity(uow, nc, trig, by=who, note=f"{trig} recorded")
    demo.advance(parse_duration(str(f.get("wait", "20d"))))
    if f.get("ineffective_first"):
        with demo.uow() as uow:
            nonconformities.advance_nonconformity(uow, nc, "verify", by=verifier, effective=False,
                                                  note="monitoring still not producing results")
        demo.step(f"{nc}: corrective action INEFFECTIVE -> back to root-cause analysis")
        with demo.uow() as uow:
            for trig, who in steps[1:]:
                nonconformities.advance_nonconformity(uow, nc, trig, by=who, note=f"{trig} (round 2)")
        demo.advance(parse_duration(str(f.get("rewait", "15d"))))
    with demo.uow() as uow:
        nonconformities.advance_nonconformity(uow, nc, "verify", by=verifier, effective=True,
                                              note="verified on evidence")
        nonconformities.advance_nonconformity(uow, nc, "close", by=verifier)
    demo.step(f"{nc}: corrective action verified effective and closed")


def _plan_open_minors(demo: Demo, f: dict[str, Any]) -> None:
    """Each raised minor gets its correction, root cause and action plan (what a decision needs)."""
    with demo.uow() as uow:
        for nc in nonconformities.list_nonconformities(uow, get_program(uow.session, demo.key), open_only=True):
            if nc["severity"] == "minor" and nc["state"] == "raised":
                for trig in ("correct", "analyse", "plan"):
                    nonconformities.advance_nonconformity(uow, nc["id"], trig, by=f["by"],
                                                          note=f"{trig} for {nc['ref']}")


def _review(demo: Demo, f: dict[str, Any]) -> None:
    today = demo.today()
    actions = [f"{a['title']};{a['owner']};{demo.day(a['due']).isoformat()}" for a in f.get("actions") or []]
    with demo.uow() as uow:
        reviews.hold_review(uow, get_program(uow.session, demo.key), held_on=today, chair=f["chair"],
                            inputs={str(k): str(v) for k, v in (f.get("inputs") or {}).items()},
                            outputs=f.get("outputs"), actions=actions)


def _certify(demo: Demo, f: dict[str, Any]) -> None:
    decided = demo.day(f.get("date", "today"))
    with demo.uow() as uow:
        demo.names["certificate"] = certification.certify(uow, get_program(uow.session, demo.key),
                                                          decision_date=decided)
    cert = demo.names["certificate"]
    cert["decision"] = cert["decision_date"]
    cert["surveillance_2_window_start"], cert["surveillance_2_window_end"] = cert["surveillance_2_window"]
    demo.timeline.append((f.get("timeline", "certified"), decided.isoformat()))
    if f.get("say"):
        demo.say(f["say"])


def _reassess_until(demo: Demo, f: dict[str, Any]) -> None:
    """Do each impact reassessment as it comes due (`ahead` before), up to a date."""
    before, ahead = demo.day(f["before"]), parse_duration(str(f["ahead"]))
    while (due := demo.next_reassessment()) and due < before:
        demo.set_clock(due - ahead)
        demo.cycle_work(f["say"])


STEPS: dict[str, Callable[[Demo, dict[str, Any]], None]] = {
    "advance": _advance, "clock": _clock, "say": lambda demo, f: demo.say(f["text"]),
    "complete_work": _complete_work, "cycle_work": lambda demo, f: demo.cycle_work(f["say"]), "phase": _phase,
    "risk_criteria": _risk_criteria, "soa": _soa, "risk": _risk, "significant_change": _significant_change,
    "audit": _audit, "finding": _finding, "close_audit": _close_audit, "nc": _nc,
    "corrective_action": _corrective_action, "plan_open_minors": _plan_open_minors, "review": _review,
    "certify": _certify, "reassess_until": _reassess_until,
}
