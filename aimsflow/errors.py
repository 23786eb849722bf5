"""One error hierarchy: every refusal the user sees is an AimsflowError with its context.

A message names the rule and the record in plain words. What a layer shows around it is
structure, not text: `field` is the input it is about, by its parameter name ("by", "reason",
"date"), and `hint` names the next step as an action of the domain ("add_person"). The CLI
renders them as its flags and commands ("--by", "add with: aimsflow people add"), the Prefect
form as its labels ("Note"); `str()` is the plain rendering ("decision date: ... is not a date").
"""

from __future__ import annotations

from typing import Literal

# The next steps an error may suggest; each layer words them (aimsflow/cli/messages.py, aimsflow/forms.py).
Hint = Literal[
    "create_program",  # no program exists yet
    "init_database",  # the database named has no aimsflow tables (or does not exist)
    "add_person",  # a name that is not a person of the program
    "add_evidence",  # a hash that names no stored evidence file yet
    "use_inbox",  # evidence the owner's form cannot take: hand it in through the evidence inbox instead
    "grant_role",  # the person exists: give them another role (program, record = the person's name)
    "record_risk_criteria",  # risk acceptance criteria are not recorded yet
    "schedule_audit",  # the next step is scheduling an audit
    "close_audit",  # the next step is closing the audit
    "audit_readiness",  # an audit is not ready: see what is missing, or have top management waive it
    "record_certification_decision",  # the next step is the certification body's decision
]


def as_field(name: str) -> str:
    """A field's parameter name, also from the words a caller still passes ("--decision-date", "DATE")."""
    return name.strip().lstrip("-").lower().replace("-", "_").replace(" ", "_")


class AimsflowError(Exception):
    """The root of every error aimsflow reports to its user (one clear line, non-zero exit)."""

    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None, hint: Hint | None = None,
                 program: str | None = None, record: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the input it is about, by parameter name
        self.hint = hint  # the next step, as a domain action
        self.program = program  # the program's key, when a hint needs it
        self.record = record  # the row or name the error is about, when a hint needs it

    def __str__(self) -> str:
        return f"{self.field.replace('_', ' ')}: {self.message}" if self.field else self.message


class InvalidInput(AimsflowError):
    """Input that is malformed: a bad date, an unknown code, a broken file."""

    exit_code = 2


class NotFound(AimsflowError):
    """A program, person, control or row that does not exist."""

    exit_code = 3


class Refused(AimsflowError):
    """A rule of the standard or of the lifecycle refuses the request."""

    exit_code = 4

    def __init__(self, message: str, *, missing: list[str] | None = None, state: str | None = None,
                 field: str | None = None, hint: Hint | None = None, program: str | None = None,
                 record: str | None = None) -> None:
        super().__init__(message, field=field, hint=hint, program=program, record=record)
        self.missing = missing or []
        self.state = state


class Conflict(AimsflowError):
    """Someone else changed the same row first, or the name is taken."""

    exit_code = 5


class ServiceError(AimsflowError):
    """A service aimsflow works with (the Prefect API) cannot be reached or refuses its credentials."""

    exit_code = 6


class Busy(AimsflowError):
    """Another process holds the database's lock longer than aimsflow waits: nothing was done, try again."""

    exit_code = 75  # EX_TEMPFAIL: a temporary failure, worth retrying
