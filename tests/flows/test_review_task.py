"""review-task: the reviewer's run, its code, accept or reject with a reason, and the owner's run reopened."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from sqlmodel import select

from aimsflow import completion_codes
from aimsflow.errors import Refused
from aimsflow.notify import deliver_pending, notices_in
from aimsflow.services import audits, completion, evidence, evidence_freshness
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from flows.owner_task import owner_task
from flows.review_task import review_task
from models import Evidence, WorkItem
from tests.dumps import difference, dump
from tests.flows.builders import (
    AUDITOR,
    PM,
    START,
    TECH,
    InProcessOwnerTask,
    create_program,
    email_of,
    execute_deployed_run,
    give_code,
    give_review_code,
    item_by_key,
    mail,
    owner_run_of,
    resume_run,
    review_run_of,
    start_review_runs,
    waiting_form,
)


def an_evidence_request(key: str, tmp_path: Path) -> str:
    """A program whose log-retention evidence is going stale before an audit: its owner is asked for new evidence."""
    create_program(key, tmp_path)
    old = tmp_path / "old-log-policy.txt"
    old.write_text("logs kept 30 days\n", encoding="utf-8")
    with unit_of_work() as uow:
        program = get_program(uow.session, key)
        ev = evidence.add_evidence(uow, program, str(old), refs=["A.6.2.8"], valid_for="10d", by=TECH)
        evidence.review_evidence(uow, ev["id"], by=PM, accept=True)
        audits.schedule_audit(uow, program, "internal", on=START + timedelta(days=30), auditors=[AUDITOR],
                              scope=["9.2"])
        item: str = evidence_freshness.request_fresh_evidence(uow, program)["requested"][0]
    return item


def submitted_on_the_command_line(key: str, tmp_path: Path) -> tuple[str, Path]:
    """The evidence request completed by its owner with one file; (item, the file)."""
    item = an_evidence_request(key, tmp_path)
    new = tmp_path / "log-policy-2027.txt"
    new.write_text("logs kept 90 days\n", encoding="utf-8")
    with unit_of_work() as uow:
        completion.complete_work(uow, item, by=TECH, evidence=[str(new)], note="retention raised to 90 days")
    return item, new


def item_row(item: str) -> WorkItem:
    with unit_of_work() as uow:
        return uow.session.get_one(WorkItem, int(item.removeprefix("WI-")))


def evidence_states(item: str) -> list[str]:
    with unit_of_work() as uow:
        return [e.state for e in uow.session.exec(select(Evidence).where(
            Evidence.work_item_id == int(item.removeprefix("WI-"))))]


def review_form(run_id: str, attempt: int) -> str:
    return waiting_form(UUID(run_id), attempt, "suspended")


def test_work_submitted_in_the_owner_form_gets_a_review_run_named_after_it_for_its_reviewer_who_is_mailed(
        database: str, program_key: str, review_deployment: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    item = an_evidence_request(program_key, tmp_path)
    code = give_code(item)
    inbox = tmp_path / "inbox"  # the owner drops the file into the evidence inbox and picks it in the form
    inbox.mkdir()
    monkeypatch.setenv("AIMSFLOW_EVIDENCE_INBOX", str(inbox))
    (inbox / "log-policy-2027.txt").write_text("logs kept 90 days\n", encoding="utf-8")
    owner = InProcessOwnerTask(item)
    owner.form(1)
    owner.resume(code=code, files=["log-policy-2027.txt"], note="retention raised")
    assert owner.result()["outcome"] == "submitted"

    run_id = review_run_of(item)
    assert run_id is not None
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(run_id))
    assert run.name == f"{program_key} · {item} · review by {PM}"
    assert {f"reviewer:{PM}", f"program:{program_key}", f"item:{item}"} <= set(run.tags)
    assert run.deployment_id == UUID(review_deployment) and run.parameters == {"item": item}
    notices = [m for m in mail(tmp_path / "mailbox.mbox") if "/review:" in m["notice"]]
    assert [(m["to"], m["notice"]) for m in notices] == [(email_of(PM), f"{program_key}/review:{item[3:]}:{run_id}")]
    assert "Your personal review code for this item:" in notices[0]["body"]
    assert f'"{run.name}"' in notices[0]["body"].replace("\n", " ")

    assert start_review_runs(program_key) == {}, "one review run per submission, never two"


def test_the_review_form_refuses_a_wrong_code_and_a_rejection_without_reason_then_a_rejection_reopens_the_owners_run(
        database: str, program_key: str, owner_deployment: str, review_deployment: str, tmp_path: Path) -> None:
    item, file = submitted_on_the_command_line(program_key, tmp_path)
    started = start_review_runs(program_key)  # work completed on the command line gets its run too
    run_id = started[item]
    assert execute_deployed_run(run_id, review_task)[0] == "Suspended"
    form = review_form(run_id, 1)
    assert form.startswith(f"## Review {item}: ")
    assert f"submitted by** {TECH}" in form and "retention raised to 90 days" in form
    assert "log-policy-2027.txt (18 bytes)" in form
    assert f"`{hashlib.sha256(file.read_bytes()).hexdigest()}` log-policy-2027.txt (18 bytes)" in form
    code = give_review_code(item)

    before = dump(database)
    resume_run(run_id, code="WRONG-CODE", decision="accept", reason="")
    assert execute_deployed_run(run_id, review_task)[0] == "Not accepted"
    again = review_form(run_id, 2)
    assert again.startswith("> **Not accepted:** **Review code**: ")
    assert "review code is not right" in again.splitlines()[0]
    assert dump(database) == before, difference(before, dump(database))

    resume_run(run_id, code=code, decision="reject", reason="  ")
    assert execute_deployed_run(run_id, review_task)[0] == "Not accepted"
    assert "**Reason**: " in review_form(run_id, 3).splitlines()[0]
    assert "say why the work is rejected" in review_form(run_id, 3).splitlines()[0]
    assert dump(database) == before, difference(before, dump(database))

    resume_run(run_id, code=code, decision="reject", reason="the policy is not signed")
    state, result = execute_deployed_run(run_id, review_task)
    assert (state, result["outcome"], result["attempts"]) == ("Rejected", "rejected", 3)
    assert item_by_key(program_key, item_row(item).key)["state"] == "rejected"
    assert evidence_states(item) == ["rejected"]
    assert item_row(item).review_code_hash is None, "a decision uses the code up"

    owner_run = owner_run_of(item)
    assert owner_run is not None
    assert execute_deployed_run(owner_run, owner_task)[0] == "Suspended"
    top = waiting_form(UUID(owner_run), 1, "suspended").splitlines()[0]
    assert top.startswith("> **Not accepted:**")
    assert f"{PM} rejected it: the policy is not signed" in top
    again_assigned = [m for m in mail(tmp_path / "mailbox.mbox")
                      if m["notice"].startswith(f"{program_key}/assign:{item[3:]}:") and ":rejected-" in m["notice"]]
    assert [m["to"] for m in again_assigned] == [email_of(TECH)], "the owner is mailed a new code"


def test_an_accepted_review_leaves_the_item_and_its_evidence_accepted(
        database: str, program_key: str, review_deployment: str, tmp_path: Path) -> None:
    item, _ = submitted_on_the_command_line(program_key, tmp_path)
    run_id = start_review_runs(program_key)[item]
    execute_deployed_run(run_id, review_task)
    code = give_review_code(item)
    resume_run(run_id, code=code.lower(), decision="accept", reason="")
    state, result = execute_deployed_run(run_id, review_task)
    assert (state, result["outcome"]) == ("Accepted", "accepted")
    row = item_row(item)
    assert row.state == "accepted" and row.completed_at is not None
    assert evidence_states(item) == ["accepted"]


def test_the_submitter_cannot_review_their_own_work_in_the_form(
        database: str, program_key: str, review_deployment: str, tmp_path: Path) -> None:
    item, _ = submitted_on_the_command_line(program_key, tmp_path)
    with unit_of_work() as uow:  # the reviewer became the submitter (e.g. edited by hand): the rule still holds
        row = uow.session.get_one(WorkItem, int(item.removeprefix("WI-")))
        row.reviewer_id = row.submitted_by_id
        uow.session.add(row)
    run_id = start_review_runs(program_key)[item]
    with get_client(sync_client=True) as client:
        assert f"reviewer:{TECH}" in client.read_flow_run(UUID(run_id)).tags
    execute_deployed_run(run_id, review_task)
    code = give_review_code(item)
    before = dump(database)
    resume_run(run_id, code=code, decision="accept", reason="")
    assert execute_deployed_run(run_id, review_task)[0] == "Not accepted"
    assert f"{TECH} submitted it and cannot review it" in review_form(run_id, 2).splitlines()[0]
    assert dump(database) == before, difference(before, dump(database))
    assert item_row(item).state == "submitted"


def test_the_reviewers_notice_carries_a_code_that_works_once(
        database: str, program_key: str, review_deployment: str, tmp_path: Path, smtp_server: list) -> None:
    item, file = submitted_on_the_command_line(program_key, tmp_path)
    start_review_runs(program_key)
    assert deliver_pending().failed == 0
    # The review notice may come alone or inside the PM's digest: read it as a notice either way.
    notice = next(n for m in smtp_server for n in notices_in(m) if f"/review:{item[3:]}:" in n["notice"])
    assert notice["to"] == email_of(PM)
    assert notice["subject"].startswith(f"[{program_key}] {item} waits for your review")
    code = next(line.rsplit(" ", 1)[1] for line in notice["body"].splitlines()
                if line.startswith("Your personal review code"))
    assert completion_codes.matches(code, item_row(item).review_code_hash)

    with unit_of_work() as uow:
        assert completion.review_with_code(uow, item, code=code, accept=False, reason="unsigned")["state"] == "rejected"
    with unit_of_work() as uow:
        completion.complete_work(uow, item, by=TECH, evidence=[str(file)], note="signed now")
    try:
        with unit_of_work() as uow:
            completion.review_with_code(uow, item, code=code, accept=True)
    except Refused as exc:
        assert exc.field == "code" and "review code is not right" in exc.message
    else:
        raise AssertionError("a used review code was accepted again")
    assert item_row(item).state == "submitted"


def test_work_reject_on_the_command_line_withdraws_the_review_run_and_starts_the_owners_new_run(
        database: str, program_key: str, owner_deployment: str, review_deployment: str, tmp_path: Path) -> None:
    from tests.flows.test_deployments_and_cli import aimsflow

    item, _ = submitted_on_the_command_line(program_key, tmp_path)
    review_run = start_review_runs(program_key)[item]
    code, out, err = aimsflow("work", "reject", item, "--by", PM, "--reason", "the policy is not signed")
    assert code == 0, err
    owner_run = owner_run_of(item)
    assert owner_run is not None
    assert out.strip() == f"{item} rejected; their owner run {owner_run} is started and they were mailed"
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(UUID(review_run)).state.name == "Cancelled"  # type: ignore[union-attr]
        assert f"owner:{TECH}" in client.read_flow_run(UUID(owner_run)).tags
