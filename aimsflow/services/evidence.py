"""Evidence records: adding files to the store for a control or clause, reviewing them, verifying the store."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from aimsflow import evidence_store
from aimsflow.catalog import load_catalog
from aimsflow.clock import parse_duration
from aimsflow.errors import AimsflowError, InvalidInput, NotFound
from aimsflow.rules.registry import check_for
from aimsflow.rules.segregation import ReviewFacts
from aimsflow.services.entered_by import entered
from aimsflow.services.lookup import find_person, person_name
from aimsflow.uow import UnitOfWork
from models import Evidence, EvidenceLink, Program, SoAEntry
from states.evidence import EVIDENCE, EvidenceState
from states.machine import GuardCheck


def evidence_ref(ev: Evidence) -> str:
    """The short readable id of evidence: EV-4."""
    return f"EV-{ev.id}"


def is_known_ref(uow: UnitOfWork, program: Program, ref: str) -> bool:
    """Whether a reference is a clause, an Annex A control or a control the program added."""
    if load_catalog().knows(ref):
        return True
    return uow.session.exec(select(SoAEntry.id).where(
        SoAEntry.program_id == program.id, SoAEntry.control_id == ref)).first() is not None


def add_evidence(uow: UnitOfWork, program: Program, path: str, *, refs: list[str], by: str, valid_for: str = "12m",
                 allow_empty: bool = False, entered_by: str | None = None) -> dict[str, Any]:
    """Store a file under its hash and record it as evidence its submitter `by` supplied, for controls or clauses.

    A submitter is required: nobody may then accept their own evidence (segregation of duties).
    `entered_by`: the login of whoever added it for `by`; the trail keeps it beside them.
    """
    if not (by or "").strip():
        raise InvalidInput("evidence needs its submitter: name the person who supplies it", field="by")
    refs = [r.strip() for r in refs if r.strip()]
    if not refs:
        raise InvalidInput("evidence supports at least one control or clause: name it", field="refs")
    for ref in refs:
        if not is_known_ref(uow, program, ref):
            raise NotFound(f"'{ref}' is not a clause (4.1 ... 10.2) or a control (A.2.2 ... A.10.4)", field="refs")
    duration = parse_duration(valid_for, "valid_for")
    person = find_person(uow.session, program, by, "by")
    stored = evidence_store.ingest(path, allow_empty=allow_empty)
    ev = Evidence(program_id=program.id, sha256=stored.sha256, file_name=stored.file_name,  # type: ignore[arg-type]
                  media_type=stored.media_type, size=stored.size, refs=refs, collected_at=uow.stamp,
                  valid_until=uow.today(program) + duration, state=EvidenceState.SUBMITTED.value,
                  submitted_by_id=person.id)
    uow.session.add(ev)
    uow.session.flush()
    for ref in refs:
        uow.session.add(EvidenceLink(program_id=program.id, evidence_id=ev.id, ref=ref))  # type: ignore[arg-type]
    uow.record(program, actor=person.name, lifecycle="evidence", row_ref=evidence_ref(ev), trigger="submit",
               to_state=ev.state, payload=entered({"sha256": ev.sha256, "file": ev.file_name, "refs": refs,
                                                   "valid_until": ev.valid_until}, entered_by))
    return evidence_view(uow, ev)


def evidence_review(ev: Evidence, decider_id: int | None, decider: str) -> GuardCheck:
    """The evidence lifecycle's guard check for one decision on an evidence record."""
    return check_for(EVIDENCE, ReviewFacts(evidence_ref(ev), "evidence", ev.submitted_by_id, decider_id, decider))


def review_evidence(uow: UnitOfWork, text: str, *, by: str, accept: bool, note: str | None = None,
                    entered_by: str | None = None) -> dict[str, Any]:
    """Accept or reject submitted evidence; nobody accepts their own (`entered_by`: who typed it in for `by`)."""
    digits = text.upper().removeprefix("EV-")
    ev = uow.session.get(Evidence, int(digits)) if digits.isdigit() else None
    if ev is None:
        raise NotFound(f"evidence '{text}' not found (expected EV-<number>)")
    program = uow.session.get_one(Program, ev.program_id)
    person = find_person(uow.session, program, by, "by")
    if not accept and not (note or "").strip():
        raise InvalidInput(f"{evidence_ref(ev)}: say why the evidence is rejected", field="note")
    ev.reviewed_by_id, ev.review_note = person.id, note
    uow.transition(program, EVIDENCE, ev, "accept" if accept else "reject", row_ref=evidence_ref(ev),
                   actor=person.name, check=evidence_review(ev, person.id, person.name),
                   payload=entered({"note": note}, entered_by))
    return evidence_view(uow, ev)


def evidence_view(uow: UnitOfWork, ev: Evidence) -> dict[str, Any]:
    """Evidence as plain data, with who submitted and who reviewed it."""
    return {"id": evidence_ref(ev), "sha256": ev.sha256, "file": ev.file_name, "media_type": ev.media_type,
            "size": ev.size, "refs": ev.refs, "state": ev.state, "collected": ev.collected_at.date().isoformat(),
            "valid_until": ev.valid_until.isoformat(), "submitted_by": person_name(uow.session, ev.submitted_by_id),
            "reviewed_by": person_name(uow.session, ev.reviewed_by_id)}


def list_evidence(uow: UnitOfWork, program: Program) -> list[dict[str, Any]]:
    """The program's evidence, oldest first."""
    rows = uow.session.exec(select(Evidence).where(Evidence.program_id == program.id).order_by(col(Evidence.id)))
    return [evidence_view(uow, ev) for ev in rows]


def verify_store(uow: UnitOfWork) -> tuple[int, list[str]]:
    """Re-hash every stored file that evidence rows name; return (files checked, problems)."""
    problems: list[str] = []
    shas = sorted(set(uow.session.exec(select(Evidence.sha256))))
    for sha in shas:
        try:
            evidence_store.read_verified(sha)
        except AimsflowError as exc:
            names = sorted(set(uow.session.exec(select(Evidence.file_name).where(Evidence.sha256 == sha))))
            problems.append(f"{exc} (file: {', '.join(names)})")
    return len(shas), problems
