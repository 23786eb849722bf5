"""Delivering the outbox: over SMTP when configured, else appended to a local mbox file.

A notice is rendered at delivery. An assignment notice gets a fresh one-time completion code there:
its hash is stored on the work item in the same transaction that marks the notice sent.
"""

from __future__ import annotations

import fcntl
import os
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.generator import Generator
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import col, select

from aimsflow import completion_codes
from aimsflow.limits import escape, escape_lines
from aimsflow.render import render_mail
from aimsflow.uow import unit_of_work
from models import Notification, Person, Program, WorkItem

SENDER = os.environ.get("AIMSFLOW_MAIL_FROM", "aimsflow@localhost")


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass
class SmtpTransport:
    host: str
    port: int = 25
    timeout: float = 10.0

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


@dataclass
class MailboxTransport:
    """Appends to an mbox file (readable by `mailbox.mbox`, mutt, Thunderbird) without re-reading it."""

    path: Path

    def send(self, message: EmailMessage) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # several deliverers may append at once
            try:
                if not message.get_unixfrom():
                    message.set_unixfrom(f"From {SENDER} {time.asctime(time.gmtime())}")
                Generator(handle, mangle_from_=True, maxheaderlen=0).flatten(message, unixfrom=True)
                handle.write("\n")
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def configured_transport() -> Transport:
    """SMTP when AIMSFLOW_SMTP_HOST is set; else the mbox file AIMSFLOW_MAILBOX (./aimsflow-mailbox.mbox)."""
    host = os.environ.get("AIMSFLOW_SMTP_HOST")
    if host:
        return SmtpTransport(host, int(os.environ.get("AIMSFLOW_SMTP_PORT", "25")))
    return MailboxTransport(Path(os.environ.get("AIMSFLOW_MAILBOX", "aimsflow-mailbox.mbox")).resolve())


@dataclass
class DeliveryResult:
    sent: int = 0
    failed: int = 0


def _context(notice: Notification, program: Program, person: Person, item: WorkItem | None) -> dict[str, object]:
    ctx: dict[str, object] = {"program": program.key, "name": person.name, "timezone": program.timezone,
                              **notice.context}
    if item is not None:
        ctx.update(item_id=f"WI-{item.id}", title=item.title, due=item.due_date.isoformat(),
                   why=f"{item.kind.replace('_', ' ')} for {item.subject}" + (f", phase {item.phase}" if item.phase
                                                                               else ""))
    return ctx


def deliver_pending(transport: Transport | None = None, *, engine: Engine | None = None, limit: int = 500,
                    on_sent: Callable[[EmailMessage], None] | None = None) -> DeliveryResult:
    """Send every unsent notice (each in its own transaction, so one failure does not hold the rest)."""
    transport = transport or configured_transport()
    result = DeliveryResult()
    with unit_of_work(engine) as uow:
        ids = list(uow.session.exec(select(Notification.id).where(
            Notification.sent_at == None).order_by(col(Notification.id)).limit(limit)))  # noqa: E711
    for notice_id in ids:
        with unit_of_work(engine) as uow:
            # Claim the notice for this transaction: on PostgreSQL its row stays locked until the
            # commit that marks it sent, and a deliverer running at the same time (another worker's
            # start-phase or sweep) skips it rather than sending it again. On SQLite BEGIN
            # IMMEDIATE already makes deliverers take turns.
            notice = uow.session.exec(select(Notification).where(
                Notification.id == notice_id, Notification.sent_at == None  # noqa: E711
            ).with_for_update(skip_locked=True).execution_options(populate_existing=True)).first()
            if notice is None:
                continue  # sent by another deliverer, or being sent by one now
            program = uow.session.get_one(Program, notice.program_id)
            person = uow.session.get(Person, notice.to_person_id) if notice.to_person_id else None
            # The item is locked too, before the message goes out: its code hash is written with the
            # notice, and a concurrent writer of the item must not fail this commit after the send.
            item = (uow.session.get(WorkItem, notice.work_item_id, with_for_update=True, populate_existing=True)
                    if notice.work_item_id else None)
            notice.attempts += 1
            if person is None or not person.email:
                notice.last_error = "no e-mail address"
                notice.sent_at = uow.stamp  # nothing to send to; recorded, not retried
                uow.session.add(notice)
                continue
            ctx = _context(notice, program, person, item)
            if notice.kind == "assignment" and item is not None:
                if item.assignee_id != person.id:
                    notice.sent_at, notice.last_error = uow.stamp, "reassigned before delivery"
                    uow.session.add(notice)
                    continue
                code = completion_codes.new_code()
                ctx["code"] = code
            subject, body = render_mail(notice.kind, **ctx)
            message = EmailMessage()
            # A name stored before names were checked cannot forge a header or drive a mail reader's terminal.
            message["From"], message["To"], message["Subject"] = SENDER, person.email, escape(subject)
            message["X-Aimsflow-Notice"] = f"{program.key}/{notice.dedup_key}"
            message.set_content(escape_lines(body))
            try:
                transport.send(message)
            except (OSError, smtplib.SMTPException) as exc:
                notice.last_error = f"{type(exc).__name__}: {exc}"
                uow.session.add(notice)
                result.failed += 1
                continue  # the previous code stays valid: this one was never sent
            if "code" in ctx and item is not None:
                item.completion_code_hash = completion_codes.hash_code(str(ctx["code"]))
                uow.session.add(item)
            notice.sent_at, notice.last_error = uow.stamp, None
            uow.session.add(notice)
            result.sent += 1
            if on_sent:
                on_sent(message)
    return result
