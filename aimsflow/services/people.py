"""People of a program: roles and committee functions."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from aimsflow.errors import Conflict, InvalidInput
from aimsflow.limits import check_name, check_text, clip, refuse_confusable
from aimsflow.services import work
from aimsflow.services.lookup import find_person, roles_of
from aimsflow.uow import UnitOfWork
from models import CommitteeFunction, CommitteeSeat, Person, Program, Role, RoleAssignment

ROLES = [r.value for r in Role]
FUNCTIONS = [f.value for f in CommitteeFunction]


def _check(values: list[str], allowed: list[str], field: str) -> list[str]:
    out = []
    for v in values:
        v = v.strip().lower()
        if v not in allowed:
            raise InvalidInput(f"'{clip(v)}' is not one of {', '.join(allowed)}", field=field)
        if v not in out:
            out.append(v)
    return out


def add_person(uow: UnitOfWork, program: Program, *, name: str, roles: list[str], functions: list[str] | None = None,
               email: str | None = None, actor: str = "cli") -> dict[str, Any]:
    """Add a person with one or more roles (and committee functions); they take over unassigned work of their
    roles that fits their functions (aimsflow.services.work.assign_open_items)."""
    name = check_name(name, "name")
    roles = _check(roles, ROLES, "roles")
    if not roles:
        raise InvalidInput(f"at least one role is required ({', '.join(ROLES)})", field="roles")
    functions = _check(functions or [], FUNCTIONS, "functions")
    if email is not None:
        check_text(email, "email", limit=254)
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email.strip()):
        raise InvalidInput(f"'{clip(email)}' is not an e-mail address", field="email")
    existing = uow.session.exec(select(Person).where(Person.program_id == program.id, Person.name == name)).first()
    if existing is None:  # a lookalike of someone there (a Cyrillic а, another case) would be a second person
        refuse_confusable(name, list(uow.session.exec(select(Person.name).where(Person.program_id == program.id))),
                          what="person")
    if existing:
        raise Conflict(f"person '{name}' already exists in program {program.key} (roles: "
                       f"{', '.join(sorted(roles_of(uow.session, existing)))})", hint="grant_role",
                       program=program.key, record=name)
    person = Person(program_id=program.id, name=name, email=email.strip() if email else None)  # type: ignore[arg-type]
    uow.session.add(person)
    uow.session.flush()
    for role in roles:
        uow.session.add(RoleAssignment(program_id=program.id, person_id=person.id, role=role))  # type: ignore[arg-type]
    for function in functions:
        uow.session.add(CommitteeSeat(program_id=program.id, person_id=person.id, function=function))  # type: ignore[arg-type]
    uow.record(program, actor=actor, lifecycle="person", row_ref=f"person:{name}", trigger="add",
               payload={"roles": roles, "functions": functions, "email": person.email})
    assigned = work.assign_open_items(uow, program, person, set(roles), actor=actor, functions=set(functions))
    return {"name": name, "roles": roles, "functions": functions, "email": person.email, "assigned": assigned}


def grant(uow: UnitOfWork, program: Program, *, name: str, roles: list[str], functions: list[str] | None = None,
          actor: str = "cli") -> dict[str, Any]:
    """Give an existing person further roles or committee functions."""
    person = find_person(uow.session, program, name, "name")
    roles = _check(roles, ROLES, "roles")
    functions = _check(functions or [], FUNCTIONS, "functions")
    held = roles_of(uow.session, person)
    seats = set(uow.session.exec(select(CommitteeSeat.function).where(CommitteeSeat.person_id == person.id)))
    new_roles = [r for r in roles if r not in held]
    new_functions = [f for f in functions if f not in seats]
    if not new_roles and not new_functions:
        raise Conflict(f"{person.name} already holds {', '.join(roles + functions) or 'nothing new'}")
    for role in new_roles:
        uow.session.add(RoleAssignment(program_id=program.id, person_id=person.id, role=role))  # type: ignore[arg-type]
    for function in new_functions:
        uow.session.add(CommitteeSeat(program_id=program.id, person_id=person.id, function=function))  # type: ignore[arg-type]
    uow.record(program, actor=actor, lifecycle="person", row_ref=f"person:{person.name}", trigger="grant",
               payload={"roles": new_roles, "functions": new_functions})
    assigned = work.assign_open_items(uow, program, person, held | set(new_roles), actor=actor,
                                      functions=seats | set(new_functions))
    return {"name": person.name, "roles": sorted(held | set(new_roles)), "assigned": assigned}


def list_people(uow: UnitOfWork, program: Program) -> list[dict[str, Any]]:
    """The program's people by name, with their roles and committee functions."""
    out = []
    for p in uow.session.exec(select(Person).where(Person.program_id == program.id).order_by(Person.name)):
        out.append({
            "name": p.name, "email": p.email, "roles": sorted(roles_of(uow.session, p)),
            "functions": sorted(uow.session.exec(
                select(CommitteeSeat.function).where(CommitteeSeat.person_id == p.id))),
        })
    return out
