"""Waivers: top management lets a named missing item pass, with a written reason, on the record.

One mechanism for the phase gates and for audit readiness: a waiver names a missing item whole or its
subject (`rules.gates.waivable`), is given by a member of top management with a reason, and is kept as
a `Waiver` row (with the audit it applies to, for an audit's readiness item).
"""

from __future__ import annotations

from sqlmodel import col, select

from aimsflow.errors import InvalidInput, Refused
from aimsflow.rules.gates import waivable
from aimsflow.services.lookup import find_person, roles_of
from aimsflow.uow import UnitOfWork
from models import Person, Program, Waiver


def approve_waivers(uow: UnitOfWork, program: Program, *, waive: list[str], waived_by: str | None,
                    reason: str | None, missing: list[str], what: str) -> Person | None:
    """Check that top management waives items of `what` that are missing, with a reason; the approver."""
    if not waive:
        return None
    if not waived_by:
        raise InvalidInput(f"a waiver of {what} is given by a member of top management: name them", field="waived_by")
    if not (reason or "").strip():
        raise InvalidInput(f"a waiver of {what} needs a written reason", field="reason")
    approver = find_person(uow.session, program, waived_by, "waived_by")
    if "top-management" not in roles_of(uow.session, approver):
        raise Refused(f"waiver refused: {approver.name} is not top management; only top management may "
                      f"waive an item of {what}", state=program.state)
    for w in waive:
        if not any(waivable(m, w) for m in missing):
            raise Refused(f"waiver refused: '{w}' is not a missing item of {what} "
                          f"(missing: {'; '.join(missing) or 'nothing'})", state=program.state)
    return approver


def record_waivers(uow: UnitOfWork, program: Program, approver: Person | None, waive: list[str], *, reason: str | None,
                   phase: str, audit_id: int | None = None) -> None:
    """Keep each waiver on the record (the phase it was given in, and the audit it applies to)."""
    for w in waive:
        assert approver is not None and approver.id is not None
        uow.session.add(Waiver(program_id=program.id, phase=phase, item=w, by_person_id=approver.id,  # type: ignore[arg-type]
                               reason=(reason or "").strip(), at=uow.stamp, audit_id=audit_id))


def audit_waivers(uow: UnitOfWork, audit_id: int | None) -> list[str]:
    """The items waived for one audit."""
    return list(uow.session.exec(select(Waiver.item).where(Waiver.audit_id == audit_id).order_by(col(Waiver.id))))
