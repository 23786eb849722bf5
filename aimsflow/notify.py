"""Delivering the outbox: over SMTP when configured, else appended to a local mbox file.

One message per person and program: the unsent notices of one delivery to one person come as one
digest ("[merlion] 5 items for you"), each item with its own one-time code and link. A single
notice keeps its own subject ("[merlion] WI-12 assigned to you: ..."). The codes are made at
delivery (CODES says which item column keeps each kind's hash), and the message is sent, its codes'
hashes stored and its notices marked sent in one transaction: a failed send leaves all of them
unsent and every earlier code valid. A code notice no longer worth sending (its item reassigned or
decided, its run replaced: `_stale`) is closed unsent.

Links: with PREFECT_UI_URL (Prefect's own setting: the flows pass it in, else it is read from the
environment here, which imports no Prefect) each item links
to its run's page (`<ui>/runs/flow-run/<id>`: the run in the notice's context, a review run, or the
item's owner run) and the mail to the person's filtered list of waiting runs. Without it the mail
says how to find the run by its tag.

A notice is sent only once its run exists. Once a program's work has run in the Prefect UI (an
owner-task run was started for it: the setting `owner-runs:<key>`, see
aimsflow.services.owner_runs_setting), an assignment notice whose active item has no owner run yet is
held: not sent, not failed, not counted as an attempt, until the sweep or start-phase that starts the
run delivers it. A program worked from the command line only never gets that setting, and its
notices go out at once.
"""

from __future__ import annotations

import fcntl
import os
import re
import smtplib
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.generator import Generator
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from sqlalchemy import Engine
from sqlmodel import col, select

from aimsflow import completion_codes
from aimsflow.limits import escape, escape_lines
from aimsflow.render import render, render_mail
from aimsflow.services.owner_runs_setting import owner_runs_on
from aimsflow.uow import unit_of_work
from models import Notification, Person, Program, WorkItem
from states.work_item import ACTIVE, WorkItemState

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
    sent: int = 0  # notices sent
    failed: int = 0  # notices whose message could not be sent (they stay in the outbox)
    held: int = 0  # assignment notices waiting for their owner run (see the module's docstring)
    messages: int = 0  # messages sent (a digest carries several notices)


@dataclass(frozen=True)
class CodeKind:
    """A notice kind that carries a one-time code, and when it is still worth sending."""

    holder: str  # the item's column naming the person the code must still be for
    hash_column: str  # where the code's hash goes
    tag: str  # the runs waiting for this person carry the tag `<tag>:<name>`
    waiting: frozenset[str] | None = None  # the item's states in which the code can still be used (None: any)
    run_column: str | None = None  # the item's column of the run the notice is about (context["run_id"])


CODES: dict[str, CodeKind] = {
    "assignment": CodeKind("assignee_id", "completion_code_hash", "owner"),
    "review": CodeKind("reviewer_id", "review_code_hash", "reviewer", frozenset({WorkItemState.SUBMITTED.value}),
                       "review_run_id"),
}


def _stale(notice: Notification, item: WorkItem, person: Person) -> str | None:
    """Why a code notice is no longer worth sending, or None."""
    spec = CODES[notice.kind]
    if getattr(item, spec.holder) != person.id:
        return "reassigned before delivery"
    if spec.waiting is not None and item.state not in spec.waiting:
        return f"{item.state} before delivery"
    if spec.run_column and notice.context.get("run_id") not in (None, getattr(item, spec.run_column)):
        return "its run was replaced before delivery"
    return None


WAITING_DAYS = 90  # the waiting-runs link lists the runs of the past 90 days


def ui_url() -> str | None:
    """The Prefect UI's address (PREFECT_UI_URL, e.g. http://127.0.0.1:4200), or None when not set."""
    url = os.environ.get("PREFECT_UI_URL", "").strip().rstrip("/")
    return url or None


def run_url(ui: str | None, run_id: str | None) -> str | None:
    """A run's page in the classic UI, whose Resume button is on the page (the /v2 page hides it in a menu)."""
    return f"{ui}/runs/flow-run/{run_id}" if ui and run_id else None


def waiting_runs_url(ui: str | None, tag: str, name: str) -> str | None:
    """The Runs page filtered to one person's waiting runs by their tag: suspended, or waiting again after a
    refused submission (the state named "Not accepted")."""
    if not ui:
        return None
    query = {"tag": f"{tag}:{name}", "state": ["Suspended", "Not accepted"], "type": "span",
             "seconds": -WAITING_DAYS * 86400}
    return f"{ui}/runs?{urlencode(query, doseq=True)}"


def _context(notice: Notification, program: Program, person: Person, item: WorkItem | None,
             ui: str | None) -> dict[str, object]:
    ctx: dict[str, object] = {"program": program.key, "name": person.name, "timezone": program.timezone,
                              "run_url": None, "runs_url": None, **notice.context}
    if item is not None:
        ctx.update(item_id=f"WI-{item.id}", title=item.title, due=item.due_date.isoformat(),
                   why=f"{item.kind.replace('_', ' ')} for {item.subject}" + (f", phase {item.phase}" if item.phase
                                                                               else ""))
        run_id = notice.context.get("run_id") or (item.review_run_id if notice.kind == "review" else
                                                  item.owner_run_id)
        ctx["run_url"] = run_url(ui, run_id)
    coded = CODES.get(notice.kind)
    ctx["runs_url"] = waiting_runs_url(ui, coded.tag if coded else "owner", person.name)
    return ctx


def _held(notice: Notification, item: WorkItem | None, runs_on: bool) -> bool:
    """An assignment waits for its owner run where the program's work runs in the Prefect UI."""
    return (runs_on and notice.kind == "assignment" and item is not None and item.owner_run_id is None
            and item.state in {s.value for s in ACTIVE})


def _section(kind: str, ctx: dict[str, Any]) -> dict[str, str]:
    """One notice inside a digest: its own mail's subject as a heading, its body without greeting and signature."""
    subject, body = render_mail(kind, **{**ctx, "digest": True})
    lines = body.strip().splitlines()
    if lines and lines[0].startswith("Hello "):
        lines = lines[1:]
    if lines and lines[-1].strip() == "aimsflow":
        lines = lines[:-1]
    return {"heading": subject.removeprefix(f"[{ctx['program']}]").strip(), "body": "\n".join(lines).strip()}


def _message(program: Program, person: Person, entries: list[tuple[Notification, dict[str, Any]]]) -> EmailMessage:
    if len(entries) == 1:
        notice, ctx = entries[0]
        subject, body = render_mail(notice.kind, **ctx)
    else:
        # The person's own waiting runs (an escalation about someone else's item links only to that run).
        lists = list(dict.fromkeys(str(ctx["runs_url"]) for notice, ctx in entries
                                   if ctx.get("runs_url") and notice.kind in CODES))
        text = render("mail/digest.txt", program=program.key, name=person.name, count=len(entries), lists=lists,
                      tags=sorted({f"{CODES[n.kind].tag}:{person.name}" for n, _ in entries if n.kind in CODES}),
                      sections=[_section(n.kind, ctx) for n, ctx in entries])
        subject, _, body = text.partition("\n")
        subject, body = subject.removeprefix("Subject:").strip(), body.lstrip("\n")
    message = EmailMessage()
    # A name stored before names were checked cannot forge a header or drive a mail reader's terminal.
    message["From"], message["To"], message["Subject"] = SENDER, person.email, escape(subject)
    for notice, _ in entries:
        message["X-Aimsflow-Notice"] = f"{program.key}/{notice.dedup_key}"  # one header per notice
    message.set_content(escape_lines(body))
    return message


SECTION = re.compile(r"^== ", flags=re.MULTILINE)  # a digest's notice starts with "== <its own subject>"


def notices_in(message: Message) -> list[dict[str, str]]:
    """The notices a delivered message carries, in order: each one's key (program/dedup key), recipient,
    subject (a digest section's own, with the program's tag) and text. For readers of the mailbox: the
    demo's simulated owners, and tests."""
    keys = [str(k) for k in message.get_all("X-Aimsflow-Notice") or []]
    payload = message.get_payload(decode=True)
    body = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
    subject, to = str(message["Subject"] or ""), str(message["To"] or "")
    if len(keys) <= 1:
        return [{"notice": keys[0] if keys else "", "to": to, "subject": subject, "body": body}]
    tag = subject.split("]", 1)[0] + "]"
    sections = SECTION.split(body)[1:]
    return [{"notice": key, "to": to, "subject": f"{tag} {text.splitlines()[0].strip()}", "body": text}
            for key, text in zip(keys, sections, strict=False)]


def deliver_pending(transport: Transport | None = None, *, engine: Engine | None = None, limit: int = 500,
                    on_sent: Callable[[EmailMessage], None] | None = None, ui: str | None = None) -> DeliveryResult:
    """Send the unsent notices: one message per person and program, each in its own transaction.

    `ui` is the Prefect UI's address (the flows pass Prefect's PREFECT_UI_URL setting, which Prefect
    derives from PREFECT_API_URL when unset); without it, the PREFECT_UI_URL environment variable.
    """
    transport = transport or configured_transport()
    ui = (ui or "").strip().rstrip("/") or ui_url()
    result = DeliveryResult()
    with unit_of_work(engine) as uow:
        rows = uow.session.exec(select(Notification.id, Notification.program_id, Notification.to_person_id).where(
            Notification.sent_at == None).order_by(col(Notification.id)).limit(limit)).all()  # noqa: E711
    groups: dict[tuple[int, int | None], list[int]] = {}
    for notice_id, program_id, person_id in rows:
        groups.setdefault((program_id, person_id), []).append(notice_id)  # type: ignore[arg-type]
    for (program_id, person_id), ids in groups.items():
        with unit_of_work(engine) as uow:
            # Claim the notices for this transaction: on PostgreSQL their rows stay locked until the
            # commit that marks them sent, and a deliverer running at the same time (another worker's
            # start-phase or sweep) skips them rather than sending them again. On SQLite BEGIN
            # IMMEDIATE already makes deliverers take turns.
            notices = list(uow.session.exec(select(Notification).where(
                col(Notification.id).in_(ids), Notification.sent_at == None  # noqa: E711
            ).order_by(col(Notification.id)).with_for_update(skip_locked=True).execution_options(
                populate_existing=True)))
            if not notices:
                continue  # sent by another deliverer, or being sent by one now
            program = uow.session.get_one(Program, program_id)
            person = uow.session.get(Person, person_id) if person_id else None
            if person is None or not person.email:
                for notice in notices:
                    notice.attempts += 1
                    notice.last_error = "no e-mail address"
                    notice.sent_at = uow.stamp  # nothing to send to; recorded, not retried
                    uow.session.add(notice)
                continue
            runs_on = owner_runs_on(uow.session, program)
            entries: list[tuple[Notification, dict[str, Any]]] = []
            codes: list[tuple[WorkItem, str, str]] = []
            for notice in notices:
                # The item is locked too, before the message goes out: its code hash is written with
                # the notice, and a concurrent writer of the item must not fail this commit after the send.
                item = (uow.session.get(WorkItem, notice.work_item_id, with_for_update=True, populate_existing=True)
                        if notice.work_item_id else None)
                if _held(notice, item, runs_on):
                    result.held += 1
                    continue
                coded = CODES.get(notice.kind)
                stale = _stale(notice, item, person) if coded and item is not None else None
                if stale:
                    notice.attempts += 1
                    notice.sent_at, notice.last_error = uow.stamp, stale
                    uow.session.add(notice)
                    continue
                ctx = _context(notice, program, person, item, ui)
                if coded and item is not None:
                    ctx["code"] = completion_codes.new_code()
                    codes.append((item, coded.hash_column, str(ctx["code"])))
                entries.append((notice, ctx))
            if not entries:
                continue
            message = _message(program, person, entries)
            for notice, _ in entries:
                notice.attempts += 1
            try:
                transport.send(message)
            except (OSError, smtplib.SMTPException) as exc:
                for notice, _ in entries:
                    notice.last_error = f"{type(exc).__name__}: {exc}"
                    uow.session.add(notice)
                result.failed += len(entries)
                continue  # the previous codes stay valid: these were never sent
            for item, column, code in codes:
                setattr(item, column, completion_codes.hash_code(code))
                uow.session.add(item)
            for notice, _ in entries:
                notice.sent_at, notice.last_error = uow.stamp, None
                uow.session.add(notice)
            result.sent += len(entries)
            result.messages += 1
            if on_sent:
                on_sent(message)
    return result
