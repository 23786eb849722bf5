"""Finding rows by the names people type: program keys, person names, WI-12, NC-3, AUD-2."""

from __future__ import annotations

import re
from typing import TypeVar

from sqlmodel import Session, SQLModel, col, select

from aimsflow.errors import InvalidInput, NotFound, as_field
from aimsflow.limits import ID_MAX, clip
from models import Audit, Incident, Nonconformity, Person, Program, RoleAssignment, WorkItem

T = TypeVar("T", bound=SQLModel)

PREFIXES: dict[type[SQLModel], str] = {WorkItem: "WI", Nonconformity: "NC", Audit: "AUD", Incident: "INC"}


def ref(row: SQLModel) -> str:
    """The short readable id of a row: WI-12, NC-3, AUD-2."""
    return f"{PREFIXES[type(row)]}-{row.id}"  # type: ignore[attr-defined]


def get_program(session: Session, key: str) -> Program:
    """The program with this key, or NotFound listing the known keys."""
    program = session.exec(select(Program).where(Program.key == key)).first()
    if program is None:
        known = [p for p in session.exec(select(Program.key).order_by(col(Program.key)))]
        if known:
            shown = ", ".join(known[:20]) + (f" and {len(known) - 20} more" if len(known) > 20 else "")
            raise NotFound(f"program '{clip(key)}' not found; known programs: {shown}")
        raise NotFound(f"program '{clip(key)}' not found; no program exists yet", hint="create_program")
    return program


def resolve_program(session: Session, key_or_name: str) -> Program:
    """The program with this key, or else with this display name (case-insensitive, exact); NotFound lists
    the known programs as "key (name)"."""
    text = key_or_name.strip()
    program = session.exec(select(Program).where(Program.key == text)).first()
    if program is not None:
        return program
    rows = list(session.exec(select(Program).order_by(col(Program.key))))
    named = [p for p in rows if p.name.strip().casefold() == text.casefold()]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise NotFound(f"'{text}' names {len(named)} programs ({', '.join(p.key for p in named)}): use the key")
    if rows:
        known = ", ".join(f"{p.key} ({p.name})" for p in rows)
        raise NotFound(f"program '{text}' not found; known programs: {known}")
    raise NotFound(f"program '{text}' not found; no program exists yet", hint="create_program")


_REF_PATTERNS = {model: re.compile(rf"(?:{prefix}-)?([0-9]+)", flags=re.IGNORECASE | re.ASCII)
                 for model, prefix in PREFIXES.items()}


def parse_ref(text: str, model: type[T]) -> int:
    """The number of a reference such as WI-12 (or 12), or InvalidInput; beyond any row id (ID_MAX) too."""
    prefix = PREFIXES[model]
    match = _REF_PATTERNS[model].fullmatch(text.strip())
    if not match:
        raise InvalidInput(f"'{clip(text)}' is not a {prefix} id (expected {prefix}-<number>, e.g. {prefix}-12)")
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > len(str(ID_MAX)) or int(digits) > ID_MAX:
        raise NotFound(f"{prefix}-{clip(digits, 20)} not found (ids go up to {ID_MAX})")
    return int(digits)


def get_by_ref(session: Session, text: str, model: type[T], *, for_update: bool = False) -> T:
    """The row a reference names; `for_update` locks it until the transaction ends (PostgreSQL)."""
    row = session.get(model, parse_ref(text, model), with_for_update=True if for_update else None,
                      populate_existing=for_update)
    if row is None:
        raise not_found(model, parse_ref(text, model))
    return row


def find_person(session: Session, program: Program, name: str, field: str | None = None) -> Person:
    """The program's person of this name; NotFound names the field (by, owner, auditor) it came from."""
    person = session.exec(
        select(Person).where(Person.program_id == program.id, Person.name == name.strip())
    ).first()
    if person is None:
        raise not_a_person(program.key, name, field)
    return person


def not_a_person(program_key: str, name: str, field: str | None = None) -> NotFound:
    """The error for a name that is not a person of the program (the next step: add them)."""
    return NotFound(f"'{clip(name)}' is not a person of program {program_key}",
                    field=as_field(field) if field else None, hint="add_person", program=program_key, record=name)


def not_found(model: type[SQLModel], row_id: int) -> NotFound:
    """The error for a reference to a row that does not exist."""
    return NotFound(f"{PREFIXES[model]}-{row_id} not found")


def roles_of(session: Session, person: Person) -> set[str]:
    """The roles a person holds."""
    assert person.id is not None
    return role_names(session, person.id)


def role_names(session: Session, person_id: int) -> set[str]:
    """The roles the person with this id holds."""
    return set(session.exec(select(RoleAssignment.role).where(RoleAssignment.person_id == person_id)))


def people_with_role(session: Session, program: Program, role: str) -> list[Person]:
    """The program's people holding a role, oldest first."""
    return list(
        session.exec(
            select(Person)
            .join(RoleAssignment, RoleAssignment.person_id == Person.id)  # type: ignore[arg-type]
            .where(Person.program_id == program.id, RoleAssignment.role == role)
            .order_by(col(Person.id))
        )
    )


def person_name(session: Session, person_id: int | None) -> str | None:
    """A person's name by id (None for no one)."""
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    return person.name if person else None
