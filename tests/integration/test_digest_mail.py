"""One mail per person and delivery, each item with its own code and link; held until its run exists."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from aimsflow import notify
from aimsflow.services import owner_runs_setting, owner_tasks, work
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from models import Notification, WorkItem
from tests.integration.conftest import START

KEY = "digest"
OWNER, PM, TOP = "Olu Owner", "Pat Manager", "Tess Board"
UI = "http://127.0.0.1:4200"
CODE = r"Your personal completion code for this item: (\S+)"


class Received:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Received, notify.SmtpTransport]]:
    """A real SMTP server on loopback (aiosmtpd) and the transport that delivers to it."""
    with socket.socket() as probe:  # Controller.start() cannot take port 0: pick a free port first
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Received()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, notify.SmtpTransport("127.0.0.1", port)
    controller.stop()


def setup(run: Any) -> None:
    """A program in gap analysis: 30 items for three people, nothing mailed yet."""
    run.ok("init")
    run.ok("clock", "set", START, "--no-checks")
    run.ok("program", "create", "Digest Ltd", "--scope", "claims AI", "--start", START, "--key", KEY)
    for name, role in ((PM, "program-manager"), (OWNER, "owner"), (TOP, "top-management")):
        run.ok("people", "add", KEY, name, "--role", role, "--email", f"{name.split()[0].lower()}@digest.example")


def items() -> list[WorkItem]:
    with unit_of_work() as uow:
        return list(uow.session.exec(select(WorkItem).order_by(WorkItem.id)))  # type: ignore[arg-type]


def start_runs_for_every_item() -> dict[str, str]:
    """What start-phase does once the owner-task deployment exists: mark the program, record a run per item."""
    runs = {f"WI-{i.id}": str(uuid.uuid4()) for i in items()}
    with unit_of_work() as uow:
        owner_runs_setting.mark_owner_runs(uow, get_program(uow.session, KEY))
        for item, run_id in runs.items():
            work.record_owner_run(uow, item, run_id)
    return runs


def test_each_person_gets_one_digest_whose_items_each_have_a_working_code_and_a_link_to_their_run(
        run: Any, smtp: tuple[Received, notify.SmtpTransport], monkeypatch: pytest.MonkeyPatch) -> None:
    setup(run)
    runs = start_runs_for_every_item()
    monkeypatch.setenv("PREFECT_UI_URL", UI + "/")
    handler, transport = smtp

    result = notify.deliver_pending(transport)

    assert result.sent == 30 and result.messages == 3 and result.held == 0
    assert sorted(str(m["To"]) for m in handler.messages) == sorted(
        f"{n.split()[0].lower()}@digest.example" for n in (PM, OWNER, TOP))
    owner_mail = next(m for m in handler.messages if str(m["To"]).startswith("olu@"))
    assert str(owner_mail["Subject"]) == f"[{KEY}] 27 items for you"
    assert f"{UI}/runs?tag=owner%3AOlu+Owner&state=Suspended" in owner_mail.get_content()
    notices = notify.notices_in(owner_mail)
    assert len(notices) == 27
    codes = {}
    for notice in notices:
        item = notice["subject"].split()[1]
        assert notice["subject"].startswith(f"[{KEY}] {item} assigned to you: ")
        assert f"{UI}/runs/flow-run/{runs[item]}" in notice["body"]
        found = re.search(CODE, notice["body"])
        assert found, notice["body"]
        codes[item] = found.group(1)
    assert len(set(codes.values())) == 27, "each item has a code of its own"
    for item, code in list(codes.items())[:2]:  # the owner's form accepts each item's own code, once
        with unit_of_work() as uow:
            done = owner_tasks.submit_owner_form(uow, item, code=code, assessment="conforms", note="checked")
        assert done["outcome"] != "refused", done
    assert notify.deliver_pending(transport).sent == 0, "nothing is sent twice"


def test_assignments_wait_for_their_runs_once_the_program_is_worked_in_the_prefect_ui(
        run: Any, smtp: tuple[Received, notify.SmtpTransport]) -> None:
    setup(run)
    with unit_of_work() as uow:
        owner_runs_setting.mark_owner_runs(uow, get_program(uow.session, KEY))
    handler, transport = smtp

    held = notify.deliver_pending(transport)
    assert (held.sent, held.held, held.failed, handler.messages) == (0, 30, 0, [])
    with unit_of_work() as uow:
        waiting = list(uow.session.exec(select(Notification)))
    assert all(n.sent_at is None and n.attempts == 0 and n.last_error is None for n in waiting)

    start_runs_for_every_item()
    sent = notify.deliver_pending(transport)
    assert (sent.sent, sent.held, sent.messages) == (30, 0, 3)


def test_a_program_worked_from_the_command_line_gets_its_notices_at_once_saying_which_tag_to_filter_by(
        run: Any, smtp: tuple[Received, notify.SmtpTransport], monkeypatch: pytest.MonkeyPatch) -> None:
    setup(run)
    monkeypatch.delenv("PREFECT_UI_URL", raising=False)
    handler, transport = smtp
    assert notify.deliver_pending(transport).sent == 30
    owner_mail = next(m for m in handler.messages if str(m["To"]).startswith("olu@"))
    assert "http" not in owner_mail.get_content()
    assert "filter flow runs by the tag owner:Olu Owner" in owner_mail.get_content()


def test_a_failed_send_leaves_the_whole_digest_unsent_and_no_code_changed(run: Any) -> None:
    setup(run)

    class Refusing:
        def send(self, message: EmailMessage) -> None:
            raise ConnectionRefusedError("no SMTP server")

    result = notify.deliver_pending(Refusing())
    assert (result.sent, result.failed, result.messages) == (0, 30, 0)
    assert all(i.completion_code_hash is None for i in items())
    with unit_of_work() as uow:
        notices = list(uow.session.exec(select(Notification)))
    assert all(n.sent_at is None and n.last_error and "no SMTP server" in n.last_error for n in notices)
