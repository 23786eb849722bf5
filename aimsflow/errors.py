"""One error hierarchy: every refusal the user sees is an AimsflowError with its context."""

from __future__ import annotations


class AimsflowError(Exception):
    """The root of every error aimsflow reports to its user (one clear line, non-zero exit)."""

    exit_code = 1


class InvalidInput(AimsflowError):
    """Input that is malformed: a bad date, an unknown code, a broken file."""

    exit_code = 2


class NotFound(AimsflowError):
    """A program, person, control or row that does not exist."""

    exit_code = 3


class Refused(AimsflowError):
    """A rule of the standard or of the lifecycle refuses the request."""

    exit_code = 4

    def __init__(self, message: str, *, missing: list[str] | None = None, state: str | None = None) -> None:
        super().__init__(message)
        self.missing = missing or []
        self.state = state


class Conflict(AimsflowError):
    """Someone else changed the same row first, or the name is taken."""

    exit_code = 5


class ServiceError(AimsflowError):
    """A service aimsflow works with (the Prefect API) cannot be reached or refuses its credentials."""

    exit_code = 6
