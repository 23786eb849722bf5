"""People of a program, their roles, and their seats on the governance committee."""

from enum import StrEnum

from sqlmodel import Field, UniqueConstraint

from models.base import Versioned, program_fk


class Role(StrEnum):
    PROGRAM_MANAGER = "program-manager"
    OWNER = "owner"
    TOP_MANAGEMENT = "top-management"
    INTERNAL_AUDITOR = "internal-auditor"
    CB_AUDITOR = "cb-auditor"


class CommitteeFunction(StrEnum):
    TECHNOLOGY = "technology"
    LEGAL = "legal"
    COMPLIANCE = "compliance"
    OPERATIONS = "operations"
    HR = "hr"


class Person(Versioned, table=True):
    __table_args__ = (UniqueConstraint("program_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    name: str
    email: str | None = None


class RoleAssignment(Versioned, table=True):
    __table_args__ = (UniqueConstraint("person_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str


class CommitteeSeat(Versioned, table=True):
    __table_args__ = (UniqueConstraint("person_id", "function"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    person_id: int = Field(foreign_key="person.id", index=True)
    function: str
