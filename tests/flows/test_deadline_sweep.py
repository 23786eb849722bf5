"""deadline-sweep: reminders once per offset, escalation to the program manager and then to top management."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from aimsflow.notify import notices_in
from flows.deadline_sweep import deadline_sweep
from tests.flows.builders import PM, TOP, create_program, email_of, item_by_key, mail, set_today


def received(smtp_server: list) -> list[dict[str, str]]:
    """The notices the SMTP server received, one entry each (a digest carries several)."""
    return [notice for message in smtp_server for notice in notices_in(message)]


def test_two_sweeps_on_one_day_send_each_reminder_once(database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    inventory = item_by_key(program_key, "inventory")
    set_today(date.fromisoformat(inventory["due"]) - timedelta(days=7))

    first = deadline_sweep(program_key)
    second = deadline_sweep(program_key)

    assert first["programs"][0]["reminders"] == [inventory["id"]]
    assert second["programs"][0]["reminders"] == []
    assert second["delivery"]["sent"] == 0
    messages = mail(tmp_path / "mailbox.mbox")
    reminders = [m for m in messages if "/remind:" in m["notice"]]
    assert [(m["to"], m["subject"]) for m in reminders] == [
        (email_of(PM), f"[{program_key}] {inventory['id']} due in 7 days: {inventory['title']}")]
    notices = [m["notice"] for m in messages]
    assert len(notices) == len(set(notices)), "a notice was sent twice"
    assert first["delivery"]["sent"] == len(messages)  # the assignment notices went out with the first sweep


def test_escalation_reaches_the_program_manager_and_then_top_management(
        database: str, program_key: str, tmp_path: Path, smtp_server: list) -> None:
    create_program(program_key, tmp_path)
    clause = item_by_key(program_key, "clause:4.1")  # an owner's item
    due = date.fromisoformat(clause["due"])

    set_today(due + timedelta(days=3))
    deadline_sweep(program_key)
    set_today(due + timedelta(days=3))
    deadline_sweep(program_key)  # the same day again: nothing new
    to_pm = [n for n in received(smtp_server) if "ESCALATION" in n["subject"] and clause["id"] + " " in n["subject"]]
    assert [n["to"] for n in to_pm] == [email_of(PM)]
    assert "You receive this as program manager." in to_pm[0]["body"]
    assert item_by_key(program_key, "clause:4.1")["state"] == "escalated"

    set_today(due + timedelta(days=10))
    result = deadline_sweep(program_key)
    escalations = [n for n in received(smtp_server)
                   if "ESCALATION" in n["subject"] and clause["id"] + " " in n["subject"]]
    assert [n["to"] for n in escalations] == [email_of(PM), email_of(TOP)]
    assert "You receive this as top management." in escalations[1]["body"]
    assert f"{clause['id']}->top-management" in result["programs"][0]["escalations"]
