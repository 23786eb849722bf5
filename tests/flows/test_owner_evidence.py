"""Evidence an owner hands in through the form: a file dropped into the evidence inbox, or evidence already stored.

Nothing else on the server is readable through the form: a path, a non-https link or a name that
is not a file of the inbox is refused and nothing is stored.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from aimsflow import evidence_inbox
from aimsflow.errors import InvalidInput
from aimsflow.services import completion, evidence, owner_tasks, work
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from models import Evidence
from tests.dumps import difference, dump
from tests.flows.builders import (
    PM,
    START,
    InProcessOwnerTask,
    create_program,
    form_schema,
    give_code,
    item_by_key,
    state_name,
)

POLICY = "Log retention policy 2027.pdf"


def an_evidence_item(key: str, tmp_path: Path, control: str = "A.6.2.8") -> str:
    """A program in gap analysis with one open evidence item for a control, assigned to an owner."""
    with unit_of_work() as uow:
        program = get_program(uow.session, key)
        work.open_item(uow, program, key=f"evidence:{control}", kind="evidence", subject=control,
                       title=f"Evidence for {control}", role="owner", due=START + timedelta(days=30),
                       phase=program.state, actor="test")
    return str(item_by_key(key, f"evidence:{control}")["id"])


@pytest.fixture
def inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str) -> Path:
    """The evidence inbox, with the owner's file and what must never be offered: dotfiles, folders, links, empties."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / POLICY).write_bytes(b"%PDF-1.4 logs are kept 90 days\n")
    (folder / ".DS_Store").write_bytes(b"finder")
    (folder / "empty.txt").touch()
    (folder / "old").mkdir()
    (folder / "old" / "inside.txt").write_text("in a subfolder", encoding="utf-8")
    secret = tmp_path / "server-secret.txt"
    secret.write_text("not for owners", encoding="utf-8")
    (folder / "notes.txt").symlink_to(secret)
    monkeypatch.setenv("AIMSFLOW_EVIDENCE_INBOX", str(folder))
    return folder


def evidence_rows(key: str) -> list[Evidence]:
    with unit_of_work() as uow:
        program = get_program(uow.session, key)
        return list(uow.session.exec(select(Evidence).where(Evidence.program_id == program.id)))


def stored_files() -> list[Path]:
    root = Path(os.environ["AIMSFLOW_EVIDENCE_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def offered(schema: dict[str, Any]) -> list[str] | None:
    files = schema["properties"].get("files")
    if files is None:
        return None
    return list(files["items"]["enum"])


def test_an_owner_hands_in_a_file_dropped_into_the_inbox_which_keeps_its_name_and_is_no_longer_offered(
        inbox: Path, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    item = an_evidence_item(program_key, tmp_path)
    code = give_code(item)
    run = InProcessOwnerTask(item)
    form = run.form(1)
    assert f"`{inbox}`" in form and "file path" not in form and "aimsflow evidence" not in form
    assert offered(form_schema(run.id, 1)) == [POLICY], "only the regular, non-empty, visible files at the top"

    run.resume(code=code, files=[POLICY], note="")
    result = run.result()
    assert result["outcome"] == "submitted" and state_name(run.id) == "Submitted"
    [row] = evidence_rows(program_key)
    assert (row.file_name, row.state, row.refs) == (POLICY, "submitted", ["A.6.2.8"])
    assert row.sha256 == hashlib.sha256(b"%PDF-1.4 logs are kept 90 days\n").hexdigest()
    assert f"WI-{row.work_item_id}" == item
    assert not (inbox / POLICY).exists() and (inbox / ".claimed" / POLICY).is_file()
    assert evidence_inbox.list_unclaimed() == []

    other = an_evidence_item(program_key, tmp_path, control="A.7.5")
    give_code(other)
    second = InProcessOwnerTask(other)
    assert "it is empty now" in second.form(1)
    assert offered(form_schema(second.id, 1)) is None, "an empty inbox offers no choice list"


def test_a_hash_of_evidence_the_program_already_has_links_that_evidence_instead_of_recording_it_twice(
        database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    item = an_evidence_item(program_key, tmp_path)
    given = tmp_path / "event-log-sample.csv"
    given.write_text("time,event\n2027-01-05,login\n", encoding="utf-8")
    with unit_of_work() as uow:  # the program manager added it and passed on the hash
        added = evidence.add_evidence(uow, get_program(uow.session, program_key), str(given), refs=["A.6.2.8"],
                                      by=PM)
    [row] = evidence_rows(program_key)
    code = give_code(item)
    run = InProcessOwnerTask(item)
    assert "This server has no evidence inbox" in run.form(1)
    run.resume(code=code, evidence=[row.sha256[:16]], note="the January sample")
    assert run.result()["outcome"] == "submitted"

    [linked] = evidence_rows(program_key)
    assert (f"EV-{linked.id}", linked.file_name, linked.state) == (added["id"], "event-log-sample.csv", "submitted")
    assert f"WI-{linked.work_item_id}" == item, "the existing row is the item's evidence now"
    reviewer = item_by_key(program_key, f"evidence:{linked.refs[0]}")["reviewer"]
    assert reviewer not in (None, PM), "whoever added the file does not review it"
    with unit_of_work() as uow:
        completion.review_work(uow, item, by=reviewer, accept=True)
    [accepted] = evidence_rows(program_key)
    assert accepted.state == "accepted", "accepting the item accepts its one evidence row; none stays submitted"


def test_a_server_path_a_plain_http_link_or_a_name_outside_the_inbox_is_refused_and_nothing_is_stored(
        inbox: Path, database: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    item = an_evidence_item(program_key, tmp_path)
    code = give_code(item)
    before, files_before = dump(database), stored_files()
    run = InProcessOwnerTask(item)
    run.form(1)
    with pytest.raises(RuntimeError, match="files"):  # the form offers inbox names only
        run.resume(code=code, files=["/etc/passwd"])
    run.resume(code=code, evidence=["/etc/passwd"])
    assert "neither an https:// link nor the SHA-256" in run.form(2).splitlines()[0]
    run.resume(code=code, evidence=["http://127.0.0.1:9/policy.pdf"])
    assert "only https:// links are fetched" in run.form(3).splitlines()[0]
    run.resume(code=code, evidence=["file:///etc/passwd"])
    refused = run.form(4).splitlines()[0]
    assert "only https:// links are fetched" in refused and "drop the file into the evidence inbox" in refused

    # What a form's schema would not let through is refused by the service all the same.
    for name in ["../server-secret.txt", "/etc/passwd", "old/inside.txt", "notes.txt", ".DS_Store", ".claimed",
                 "old", "missing.pdf", "..", "a\x00b"]:
        with pytest.raises(InvalidInput, match="evidence inbox"), unit_of_work() as uow:
            owner_tasks.submit_owner_form(uow, item, code=code, files=[name])
    assert dump(database) == before, difference(before, dump(database))
    assert stored_files() == files_before, "nothing was copied into the store"
    assert (inbox / POLICY).is_file(), "the inbox is untouched"

    run.resume(code=code, files=[POLICY])  # after three refusals the owner's own file goes through
    assert run.result()["attempts"] == 4 and [r.file_name for r in evidence_rows(program_key)] == [POLICY]


@pytest.fixture
def https_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A real HTTPS server on loopback with a certificate of its own, trusted through SSL_CERT_FILE."""
    import datetime as dt
    import ipaddress
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/plain"):
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{self.server.server_address[1]}/report.pdf")
                self.end_headers()
                return
            body = b"%PDF access review, January 2027\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_https_link_is_fetched_and_kept_under_its_name_and_a_redirect_to_plain_http_is_refused(
        database: str, https_server: str, program_key: str, tmp_path: Path) -> None:
    create_program(program_key, tmp_path)
    item = an_evidence_item(program_key, tmp_path)
    code = give_code(item)
    run = InProcessOwnerTask(item)
    run.form(1)
    run.resume(code=code, evidence=[f"{https_server}/plain/report.pdf"])
    assert "which is not an https:// address" in run.form(2).splitlines()[0]
    assert evidence_rows(program_key) == []

    run.resume(code=code, evidence=[f"{https_server}/reviews/access%20review%202027.pdf"])
    assert run.result()["outcome"] == "submitted"
    [row] = evidence_rows(program_key)
    assert (row.file_name, row.media_type) == ("access review 2027.pdf", "application/pdf")
    assert row.sha256 == hashlib.sha256(b"%PDF access review, January 2027\n").hexdigest()
