"""Finding rows by the names people type: program keys, person names, WI-12, NC-3, AUD-2."""

from __future__ import annotations

import re
from typing import TypeVar

from sqlmodel import Session, SQLModel, col, select

from aimsflow.errors import InvalidInput, NotFound
from models import Audit, Nonconformity, Person, Program, RoleAssignment, WorkItem

T = TypeVar("T", bound=SQLModel)

PREFIXES: dict[type[SQLModel], str] = {WorkItem: "WI", Nonconformity: "NC", Audit: "AUD"}


def ref(row: SQLModel) -> str:
    """The short readable id of a row: WI-12, NC-3, AUD-2."""
    return f"{PREFIXES[type(row)]}-{row.id}"  # type: ignore[attr-defined]


def get_program(session: Session, key: str) -> Program:
    program = session.exec(select(Program).where(Program.key == key)).first()
    if program is None:
        known = [p for p in session.exec(select(Program.key).order_by(col(Program.key)))]
        hint = f"; known programs: {', '.join(known)}" if known else "; no program exists yet (aimsflow program create)"
        raise NotFound(f"program '{key}' not found{hint}")
    return program


def parse_ref(text: str, model: type[T]) -> int:
    prefix = PREFIXES[model]
    match = re.fullmatch(rf"(?:{prefix}-)?(\d+)", text.strip(), flags=re.IGNORECASE)
    if not match:
        raise InvalidInput(f"'{text}' is not a {prefix} id (expected {prefix}-<number>, e.g. {prefix}-12)")
    return int(match.group(1))


def get_by_ref(session: Session, text: str, model: type[T], *, for_update: bool = False) -> T:
    """The row a reference names; `for_update` locks it until the transaction ends (PostgreSQL)."""
    row = session.get(model, parse_ref(text, model), with_for_update=True if for_update else None,
                      populate_existing=for_update)
    if row is None:
        raise NotFound(f"{PREFIXES[model]}-{parse_ref(text, model)} not found")
    return row


def find_person(session: Session, program: Program, name: str, what: str = "person") -> Person:
    person = session.exec(
        select(Person).where(Person.program_id == program.id, Person.name == name.strip())
    ).first()
    if person is None:
        raise NotFound(f"{what} '{name}' is not a person of program {program.key} (add with: aimsflow people add)")
    return person


def roles_of(session: Session, person: Person) -> set[str]:
    return set(session.exec(select(RoleAssignment.role).where(RoleAssignment.person_id == person.id)))


def people_with_role(session: Session, program: Program, role: str) -> list[Person]:
    return list(
        session.exec(
            select(Person)
            .join(RoleAssignment, RoleAssignment.person_id == Person.id)  # type: ignore[arg-type]
            .where(Person.program_id == program.id, RoleAssignment.role == role)
            .order_by(col(Person.id))
        )
    )


def person_name(session: Session, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    return person.name if person else None
