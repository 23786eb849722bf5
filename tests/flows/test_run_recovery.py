"""Runs that recover: the sweep replaces owner runs cancelled or deleted in Prefect, once; `work assign` hands over."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.states import Cancelled

from flows.deadline_sweep import deadline_sweep
from tests.flows.builders import LEGAL, TECH, complete_open_work, create_program, email_of, events, item_by_key, mail
from tests.flows.builders import owner_run_of as run_of
from tests.flows.test_deployments_and_cli import aimsflow


def one_item_waiting_in_its_owner_run(key: str, tmp_path: Path) -> str:
    """A program whose work is done but for one clause assessment, which waits in its owner's run."""
    create_program(key, tmp_path)
    complete_open_work(key, keep={"clause:4.1"})
    item: str = item_by_key(key, "clause:4.1")["id"]
    deadline_sweep(key, deliver=False)  # starts the item's owner run
    assert run_of(item) is not None
    return item


def run_state(run_id: str) -> str | None:
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(UUID(run_id)).state
    return state.name if state else None


def test_a_cancelled_owner_run_is_replaced_by_the_next_sweep_once_and_the_trail_says_so(
        database: str, program_key: str, owner_deployment: str, tmp_path: Path) -> None:
    item = one_item_waiting_in_its_owner_run(program_key, tmp_path)
    cancelled = run_of(item)
    assert cancelled is not None
    with get_client(sync_client=True) as client:  # a mis-click: Cancel sits above Resume
        client.set_flow_run_state(cancelled, Cancelled(), force=True)

    first = deadline_sweep(program_key, deliver=False)
    replacement = run_of(item)
    assert replacement is not None and replacement != cancelled
    assert first["owner_runs"] == {item: replacement}
    assert run_state(replacement) == "Scheduled"
    assert [(e.row_ref, e.payload) for e in events(program_key, "run_replaced")] == [
        (item, {"run": "owner", "old_run": cancelled, "run_state": "Cancelled"})]

    second = deadline_sweep(program_key, deliver=False)
    assert second["owner_runs"] == {} and run_of(item) == replacement, "a live run is not replaced"
    assert len(events(program_key, "run_replaced")) == 1


def test_a_deleted_owner_run_is_replaced_and_the_owner_mailed_again(
        database: str, program_key: str, owner_deployment: str, tmp_path: Path) -> None:
    item = one_item_waiting_in_its_owner_run(program_key, tmp_path)
    deleted = run_of(item)
    assert deleted is not None
    with get_client(sync_client=True) as client:
        client.delete_flow_run(UUID(deleted))

    deadline_sweep(program_key)
    replacement = run_of(item)
    assert replacement is not None and replacement != deleted
    assert [e.payload["run_state"] for e in events(program_key, "run_replaced")] == ["deleted"]
    again = [m for m in mail(tmp_path / "mailbox.mbox") if m["notice"].endswith(f":replaced:{deleted}")]
    assert [m["to"] for m in again] == [email_of(item_by_key(program_key, "clause:4.1")["assignee"])]
    deadline_sweep(program_key)
    assert run_of(item) == replacement


def test_work_assign_cancels_the_old_owners_run_and_starts_and_mails_the_new_owners(
        database: str, program_key: str, owner_deployment: str, tmp_path: Path) -> None:
    item = one_item_waiting_in_its_owner_run(program_key, tmp_path)
    old = run_of(item)
    owner = item_by_key(program_key, "clause:4.1")["assignee"]
    other = TECH if owner == LEGAL else LEGAL  # clause 4.1 goes to whichever owner its function fits
    assert old is not None and owner in (TECH, LEGAL)
    code, out, err = aimsflow("work", "assign", item, "--to", other)
    assert code == 0, err
    new = run_of(item)
    assert new is not None and new != old
    assert out.strip() == f"{item} assigned to {other}; their owner run {new} is started and they were mailed"
    assert run_state(old) == "Cancelled"
    with get_client(sync_client=True) as client:
        assert f"owner:{other}" in client.read_flow_run(UUID(new)).tags
    assert any(m["to"] == email_of(other) and f"{item} assigned to you" in m["subject"]
               for m in mail(tmp_path / "mailbox.mbox"))
    assert deadline_sweep(program_key, deliver=False)["owner_runs"] == {}
    assert events(program_key, "run_replaced") == []


def test_a_cancelled_review_run_is_replaced_by_the_next_sweep_and_its_reviewer_notified_of_the_new_one(
        database: str, program_key: str, review_deployment: str, tmp_path: Path) -> None:
    from tests.flows.builders import PM, review_run_of
    from tests.flows.test_review_task import submitted_on_the_command_line

    item, _ = submitted_on_the_command_line(program_key, tmp_path)
    first = deadline_sweep(program_key, deliver=False)["review_runs"]  # completed on the command line: a run
    cancelled = review_run_of(item)
    assert first == {item: cancelled}
    with get_client(sync_client=True) as client:
        client.set_flow_run_state(cancelled, Cancelled(), force=True)

    assert deadline_sweep(program_key)["review_runs"] == {item: review_run_of(item)}
    replacement = review_run_of(item)
    assert replacement not in (None, cancelled)
    assert [e.payload for e in events(program_key, "run_replaced")] == [
        {"run": "review", "old_run": cancelled, "run_state": "Cancelled"}]
    notices = [m for m in mail(tmp_path / "mailbox.mbox") if f"/review:{item[3:]}:" in m["notice"]]
    assert [(m["to"], m["notice"].rsplit(":", 1)[1]) for m in notices] == [(email_of(PM), replacement)], \
        "the notice of the cancelled run was not sent (no deliver); the new one was"
    assert deadline_sweep(program_key, deliver=False)["review_runs"] == {}
