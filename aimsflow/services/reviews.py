"""Management review (9.3): inputs (a)-(e), outputs, and actions with owners and due dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import col, select

from aimsflow.clock import parse_date
from aimsflow.errors import InvalidInput, Refused
from aimsflow.rules import working_days
from aimsflow.rules.gates import REVIEW_INPUTS
from aimsflow.services import work
from aimsflow.services.lookup import find_person, roles_of
from aimsflow.uow import UnitOfWork
from models import Audit, Finding, Incident, ManagementReview, Nonconformity, Program, WorkItem
from states.work_item import WorkItemState

INPUT_FIELDS = {
    "a": "input_a_previous_actions",
    "b": "input_b_external_internal_issues",
    "c": "input_c_interested_parties",
    "d": "input_d_performance",
    "e": "input_e_improvement",
}


def assemble_inputs(uow: UnitOfWork, program: Program) -> dict[str, str]:
    """What the database already knows for inputs (a), (d) and (e), and for (b) the serious incidents
    (Art. 73 reports: an external issue); (b) otherwise and (c) come from people."""
    actions = list(uow.session.exec(select(WorkItem).where(
        WorkItem.program_id == program.id, WorkItem.kind == "review_action")))
    done = sum(1 for a in actions if a.state == WorkItemState.ACCEPTED)
    ncs = list(uow.session.exec(select(Nonconformity).where(Nonconformity.program_id == program.id)))
    audits = list(uow.session.exec(select(Audit).where(Audit.program_id == program.id, Audit.state == "closed")))
    ofis = list(uow.session.exec(select(Finding).where(Finding.program_id == program.id, Finding.severity == "ofi")))
    by_sev = {s: sum(1 for n in ncs if n.severity == s) for s in ("major", "minor", "concern")}
    open_ncs = sum(1 for n in ncs if n.state != "closed")
    # (a) names every action of the previous review, so audit readiness can see each one covered.
    last = uow.session.exec(select(ManagementReview).where(ManagementReview.program_id == program.id)
                            .order_by(col(ManagementReview.held_on).desc(), col(ManagementReview.id).desc())).first()
    previous = [a for a in actions if last is not None and a.key.startswith(f"review-action:{last.id}:")]
    status = "; ".join(f"WI-{a.id} {a.title}: {a.state}" for a in previous)
    incidents = list(uow.session.exec(select(Incident).where(Incident.program_id == program.id)
                                      .order_by(col(Incident.id))))
    by_kind = {k: sum(1 for i in incidents if i.kind == k) for k in ("incident", "complaint", "monitoring")}
    serious = [i for i in incidents if i.serious]
    assembled = {
        "a": (f"{done} of {len(actions)} actions from earlier reviews done"
              + (f"; actions of MR-{last.id}: {status}" if previous and last else "")) if actions else
             "first management review: no earlier actions",
        "d": (f"nonconformities: {by_sev['major']} major, {by_sev['minor']} minor, {by_sev['concern']} concerns, "
              f"{open_ncs} open; audits closed: {len(audits)}"),
        "e": f"{len(ofis)} opportunities for improvement recorded" + (
            ": " + "; ".join(f"{f.ref} {f.text}" for f in ofis[:5]) if ofis else ""),
    }
    if incidents:  # 9.3 (d): incidents, complaints and monitoring results among the performance information
        assembled["d"] += (f"; incidents: {by_kind['incident']} ({len(serious)} serious), complaints: "
                           f"{by_kind['complaint']}, monitoring results: {by_kind['monitoring']}, "
                           f"{sum(1 for i in incidents if i.state != 'closed')} open, "
                           f"{sum(1 for i in incidents if i.nonconformity_id)} raised a nonconformity")
    if serious:  # 9.3 (b): a serious incident is reported to the market surveillance authority (Art. 73)
        assembled["b"] = "serious incidents under the EU AI Act: " + "; ".join(
            f"INC-{i.id} ({i.state}" + (f", reported {i.reported_on}" if i.reported_on else ", not yet reported")
            + ")" for i in serious)
    return assembled


def _parse_action(text: str) -> tuple[str, str, date]:
    parts = [p.strip() for p in text.split(";")]
    if len(parts) != 3 or not all(parts):
        raise InvalidInput(f"'{text}' must be 'what;owner;YYYY-MM-DD'", field="actions")
    return parts[0], parts[1], parse_date(parts[2], "action_due_date")


def hold_review(uow: UnitOfWork, program: Program, *, held_on: date, chair: str | None = None,
                inputs: dict[str, str | None] | None = None, outputs: str | None = None,
                actions: list[str] | None = None, actor: str = "cli") -> dict[str, Any]:
    """Record a review; inputs not given are assembled from the record where it can say them."""
    given = {k: (v or "").strip() for k, v in (inputs or {}).items() if k in INPUT_FIELDS}
    assembled = assemble_inputs(uow, program)
    values = {k: given.get(k) or assembled.get(k, "") for k in REVIEW_INPUTS}
    if given.get("b") and assembled.get("b"):  # the serious incidents stay an input beside what people bring
        values["b"] = f"{given['b']}; {assembled['b']}"
    chair_person = None
    if chair:
        chair_person = find_person(uow.session, program, chair, "chair")
        if "top-management" not in roles_of(uow.session, chair_person):
            raise Refused(f"{chair_person.name} is not top management; top management chairs the review",
                          field="chair")
    parsed = [_parse_action(a) for a in actions or []]
    owners = {name: find_person(uow.session, program, name, "action_owner") for _, name, _ in parsed}
    review = ManagementReview.model_validate({
        "program_id": program.id, "held_on": held_on, "chair_id": chair_person.id if chair_person else None,
        "outputs": (outputs or "").strip(), **{INPUT_FIELDS[k]: v for k, v in values.items()}})
    uow.session.add(review)
    uow.session.flush()
    opened = []
    count = len(list(uow.session.exec(select(col(WorkItem.id)).where(
        WorkItem.program_id == program.id, WorkItem.kind == "review_action"))))
    for index, (what, owner, due) in enumerate(parsed, start=count + 1):
        # Like every due date, an action's moves off weekends and the country's public holidays.
        due = working_days.next_working_day(due, program.country)
        opened.append(work.open_item(uow, program, key=f"review-action:{review.id}:{index}", kind="review_action",
                                     subject="9.3", title=what, role="owner", due=due, phase=program.state,
                                     actor=actor, assignee=owners[owner]))
    missing = [k for k in REVIEW_INPUTS if not values[k]]
    uow.record(program, actor=actor, lifecycle="management_review", row_ref=f"MR-{review.id}", trigger="hold",
               payload={"held_on": held_on, "inputs_present": [k for k in REVIEW_INPUTS if values[k]],
                        "actions": opened, "chair": chair})
    # Holding the review completes the phase's review deliverable when every input is there.
    item = uow.session.exec(select(WorkItem).where(
        WorkItem.program_id == program.id, WorkItem.key == "management-review")).first()
    return {"review": f"MR-{review.id}", "held_on": held_on.isoformat(), "inputs": values,
            "missing_inputs": [f"({k})" for k in missing], "actions": opened,
            "deliverable": f"WI-{item.id}" if item else None}
