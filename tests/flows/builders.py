"""Building programs for the flow tests through the services, and driving owner-task runs.

Set-up goes through the same services the CLI uses (fast, no Prefect); the step under test goes
through the flows. Owner-task runs are driven the way an owner would: the test waits for the run's
form, then resumes it through Prefect's API with what a person would type.
"""

from __future__ import annotations

import contextlib
import csv
import mailbox
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow
from prefect.input import read_flow_run_input
from sqlmodel import select

from aimsflow import clock, completion_codes
from aimsflow.notify import notices_in
from aimsflow.services import completion, inventory, people, programs, work
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from flows.in_process import InProcessOwnerTask as InProcessOwnerTask  # the tests drive the production one
from flows.in_process import waiting_form as waiting_form
from flows.owner_task import owner_task
from models import WorkItem

START = date(2027, 1, 4)  # a Monday
PM, TECH, LEGAL, TOP, AUDITOR = "Priya Raman", "Tan Wei Ming", "Nur Aisyah", "Mei Chen", "Arjun Nair"
PEOPLE = [
    (PM, ["program-manager"], []),
    (TECH, ["owner"], ["technology"]),
    (LEGAL, ["owner"], ["legal"]),
    (TOP, ["top-management"], []),
    (AUDITOR, ["internal-auditor"], []),
]


def email_of(name: str) -> str:
    return f"{name.split()[0].lower()}@merlion.example"


def set_today(day: date) -> None:
    with unit_of_work() as uow:
        clock.set_simulated(uow.session, clock.at_noon(day))


def create_program(key: str, tmp_path: Path, *, start: date = START) -> None:
    """A program in gap analysis with five people and one AI system; its phase work is assigned."""
    set_today(start)
    with unit_of_work() as uow:
        programs.create_program(uow, name=f"Merlion {key}", scope="claims AI, Singapore head office", start=start,
                                key=key)
    with unit_of_work() as uow:
        program = get_program(uow.session, key)
        for name, roles, functions in PEOPLE:
            people.add_person(uow, program, name=name, roles=roles, functions=functions, email=email_of(name))
    path = tmp_path / f"{key}-inventory.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "purpose", "status", "risk_level", "owner", "in_scope"])
        writer.writerow(["claims-triage", "routes claims by urgency", "deployed", "high", TECH, "yes"])
    with unit_of_work() as uow:
        inventory.import_inventory(uow, get_program(uow.session, key), str(path))


def work_items(key: str, **filters: str) -> list[dict[str, Any]]:
    with unit_of_work() as uow:
        return work.list_work(uow, get_program(uow.session, key), **filters)


def item_by_key(key: str, item_key: str) -> dict[str, Any]:
    return next(i for i in work_items(key) if i["key"] == item_key)


def complete_open_work(key: str, *, keep: set[str] = frozenset()) -> int:  # type: ignore[assignment]
    """Complete every active item through the service (as its assignee), except the keys in `keep`."""
    done = 0
    for item in work_items(key):
        if item["key"] in keep or item["state"] not in ("open", "in_progress", "overdue", "escalated", "rejected"):
            continue
        extra: dict[str, Any] = {"note": "done"}
        if item["kind"] == "clause_assessment":
            extra = {"assessment": "conforms", "note": f"reviewed against {item['subject']}"}
        with unit_of_work() as uow:
            completion.complete_work(uow, item["id"], by=item["assignee"], **extra)
        done += 1
    return done


def give_code(item: str) -> str:
    """A fresh completion code for an item, as its assignment notice would carry it (only its hash is stored)."""
    code = completion_codes.new_code()
    with unit_of_work() as uow:
        row = uow.session.get_one(WorkItem, int(item.removeprefix("WI-")))
        row.completion_code_hash = completion_codes.hash_code(code)
        uow.session.add(row)
    return code


def program_state(key: str) -> str:
    with unit_of_work() as uow:
        return get_program(uow.session, key).state


def events(key: str, trigger: str) -> list[Any]:
    from models import Event

    with unit_of_work() as uow:
        program = get_program(uow.session, key)
        return list(uow.session.exec(select(Event).where(Event.program_id == program.id, Event.trigger == trigger)))


def mail(path: Path) -> list[dict[str, str]]:
    """The notices in the mailbox file, one entry each (a digest gives one per item): to, subject, notice, body."""
    return [notice for message in messages(path) for notice in notices_in(message)]


def messages(path: Path) -> list[Any]:
    """The messages in the mailbox file, as they arrived (a digest is one message)."""
    if not path.exists():
        return []
    box = mailbox.mbox(str(path))
    try:
        return list(box)
    finally:
        box.close()


# --- owner-task runs ----------------------------------------------------------------------------
# An owner-task run in this process, and the wait for a run's stored form, are the production ones
# the demo drives (flows/in_process.py): the tests exercise what the demo does.

def execute_deployed_run(run_id: UUID | str, flow: Any = owner_task) -> tuple[str, Any]:
    """Run a flow run created from the owner-task (or `flow`'s) deployment here, as a runner would: (state, result).

    It suspends (the run has a deployment), which ends this execution; after a resume the run is
    scheduled again and the next call runs it again from the top. Results are not persisted, so
    the result comes from this execution (None unless it completed).
    """
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(str(run_id)))
    result = None
    with contextlib.suppress(Pause):  # a suspend ends the execution, as it ends a runner's process
        state = run_flow(flow, flow_run=run, return_type="state")
        result = state.result() if state.is_completed() else None  # type: ignore[union-attr]
    with get_client(sync_client=True) as client:
        final = client.read_flow_run(UUID(str(run_id))).state
    assert final is not None
    return final.name, result


def owner_run_of(item: str) -> str | None:
    """The owner-task run an item remembers."""
    with unit_of_work() as uow:
        return uow.session.get_one(WorkItem, int(item.removeprefix("WI-"))).owner_run_id


def review_run_of(item: str) -> str | None:
    """The review-task run an item remembers."""
    with unit_of_work() as uow:
        return uow.session.get_one(WorkItem, int(item.removeprefix("WI-"))).review_run_id


@flow(name="start-review-runs")
def start_review_runs(program: str) -> dict[str, str]:
    """The review runs of submitted items that have none (as start-phase and the sweep start them)."""
    from flows.review_runs import start_review_runs as start

    return start(program).started


def give_review_code(item: str) -> str:
    """A fresh review code for an item, as its review notice would carry it (only its hash is stored)."""
    code = completion_codes.new_code()
    with unit_of_work() as uow:
        row = uow.session.get_one(WorkItem, int(item.removeprefix("WI-")))
        row.review_code_hash = completion_codes.hash_code(code)
        uow.session.add(row)
    return code


def state_name(run_id: UUID) -> str | None:
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
    return state.name if state else None


def form_schema(run_id: UUID, attempt: int, kind: str = "paused") -> dict[str, Any]:
    """The JSON schema the UI builds the form of this attempt from."""
    schema: dict[str, Any] = read_flow_run_input(f"{kind}-attempt-{attempt}-schema", flow_run_id=run_id)
    return schema


def resume_run(run_id: UUID | str, **run_input: Any) -> None:
    from prefect.flow_runs import resume_flow_run

    resume_flow_run(UUID(str(run_id)), run_input=run_input)

