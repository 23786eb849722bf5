"""Creating programs and reading their status."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from sqlmodel import select

from aimsflow.errors import Conflict, InvalidInput
from aimsflow.limits import KEY_MAX, check_name, check_text, clip
from aimsflow.rules import working_days
from aimsflow.services import phases
from aimsflow.uow import UnitOfWork
from models import Program

EXISTING_CERTIFICATIONS = ("iso27001", "iso9001")
KEY_RULE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # a program's key: lower-case letters, digits and dashes


def is_key(text: str) -> bool:
    """Whether `text` is a program key (what `create_program` accepts and `import` checks)."""
    return KEY_RULE.fullmatch(text) is not None


def derive_key(name: str) -> str:
    """'Merlion Insurance' -> 'merlion-insurance'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return key[:64]


def create_program(uow: UnitOfWork, *, name: str, scope: str, start: date, timezone: str = "Asia/Singapore",
                   country: str = "SG", existing_certifications: list[str] | None = None,
                   key: str | None = None, organization: str | None = None, actor: str = "cli") -> str:
    """Create a program in gap analysis, open the phase's work, and return its key."""
    name = check_name(name, "name")
    check_text(scope, "scope", multiline=True)
    if organization is not None:
        organization = check_name(organization, "organization")
    if not scope.strip():
        raise InvalidInput("the AIMS scope must not be empty (which organization, systems, sites)", field="scope")
    if key is None and not derive_key(name):
        raise InvalidInput(f"'{clip(name)}' has no letters or digits a-z, 0-9 to make a key from; give the key",
                           field="name")
    key = (key or derive_key(name)).strip()
    if not is_key(key):
        raise InvalidInput(f"'{clip(key)}' is not a key (lower-case letters, digits and dashes; at most "
                           f"{KEY_MAX} characters)", field="key")
    working_days.check_timezone(timezone)
    country = country.upper()
    working_days.check_country(country)
    certs = []
    for cert in existing_certifications or []:
        normal = cert.lower().replace("-", "").replace(" ", "").replace("iso/iec", "iso")
        if normal not in EXISTING_CERTIFICATIONS:
            raise InvalidInput(f"'{cert}' is not one of {', '.join(EXISTING_CERTIFICATIONS)}",
                               field="existing_certifications")
        if normal not in certs:
            certs.append(normal)
    if uow.session.exec(select(Program).where(Program.key == key)).first():
        raise Conflict(f"program '{key}' already exists (choose another name or key)", field="key")
    program = Program(key=key, name=name, organization=organization or name, scope=scope.strip(),
                      timezone=timezone, country=country, start_date=start, existing_certifications=certs,
                      created_at=uow.stamp)
    uow.session.add(program)
    uow.session.flush()
    uow.record(program, actor=actor, lifecycle="program", row_ref="program", trigger="create",
               to_state=program.state, payload={"name": name, "scope": program.scope, "start": start.isoformat(),
                                                "timezone": timezone, "country": country, "existing": certs})
    phases.start_phase(uow, program, program.state, actor=actor, on=start)
    return key


def list_programs(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every program with its state and calendar, by key."""
    return [
        {"key": p.key, "name": p.name, "state": p.state, "cycle": p.cycle, "start": p.start_date.isoformat(),
         "timezone": p.timezone, "country": p.country, "existing_certifications": p.existing_certifications}
        for p in uow.session.exec(select(Program).order_by(Program.key))
    ]
