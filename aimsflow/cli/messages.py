"""An error in the command line's words: its field as the command's flag or argument, its hint as a command.

Services name the rule and the record (aimsflow/errors.py); this module adds what only the command
line knows. A field is shown as "--" + its name with dashes unless FIELDS says otherwise (an
argument such as DATE, or a flag that differs from the parameter's name). Imports nothing heavy:
main() renders every error through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aimsflow.errors import AimsflowError, Hint

# (command, field) -> what the command calls it; the command "" applies to every command.
# A longer command wins: ("clock set", "date") is DATE while every other command's date is --date.
FIELDS: dict[tuple[str, str], str] = {
    ("", "action_owner"): "--action owner",
    ("", "actions"): "--action",
    ("", "action_due_date"): "--action due date",
    ("", "roles"): "--role",
    ("", "functions"): "--function",
    ("", "controls"): "--control",
    ("", "refs"): "--control",
    ("", "ref_id"): "--ref",
    ("", "existing_certifications"): "--existing-cert",
    ("", "auditors"): "--auditor",
    ("audit schedule", "kind"): "KIND",
    ("inventory advance", "trigger"): "TRIGGER",
    ("nc advance", "trigger"): "TRIGGER",
    ("nc advance", "effective"): "--effective/--ineffective",
    ("phase advance", "waived_by"): "--by",
    ("audit schedule", "waived_by"): "--by",
    ("audit start", "waived_by"): "--by",
    ("clock set", "date"): "DATE",
    ("db upgrade", "revision"): "REVISION",
    ("clock advance", "duration"): "DURATION",
    ("people", "name"): "NAME",
    ("program create", "name"): "NAME",
    ("risk add", "title"): "TITLE",
    ("incident", "found_on"): "--found",
    ("incident", "aware_on"): "--aware",
    ("incident report", "reported_on"): "--date",
}

# Each hint as the command to run, appended to the message; {program} and {record} come from the error.
HINTS: dict[Hint, str] = {
    "create_program": " (aimsflow program create)",
    "init_database": "; create one with: aimsflow init",
    "add_person": " (add with: aimsflow people add)",
    "add_evidence": " (add it with aimsflow evidence add)",
    "use_inbox": " (give the file's path)",
    "grant_role": "; to add a role: aimsflow people role {program} '{record}' --role ROLE",
    "record_risk_criteria": " (aimsflow risk criteria)",
    "schedule_audit": " (aimsflow audit schedule)",
    "close_audit": " (aimsflow audit close)",
    "audit_readiness": " (see: aimsflow audit readiness {program}; top management may waive an item with "
                       "--waive ITEM --by NAME --reason TEXT)",
    "record_certification_decision": " (aimsflow certify)",
}


def command_of(argv: Sequence[str]) -> str:
    """The command words a command line starts with ("clock set" of `aimsflow clock set 2026-01-01`)."""
    words: list[str] = []
    for arg in argv:
        if arg.startswith("-") or len(words) == 2:
            break
        words.append(arg)
    return " ".join(words)


def flag(field: str, command: str = "") -> str:
    """The flag or argument a command calls a field."""
    if field.startswith("-") or field.isupper():
        return field  # a caller that still passes the command line's own words
    matches = [k for k in FIELDS if k[1] == field and (command + " ").startswith(k[0] + " " if k[0] else "")]
    if matches:
        return FIELDS[max(matches, key=lambda k: len(k[0]))]
    return "--" + field.replace("_", "-")


def render(exc: AimsflowError, argv: Sequence[str] = ()) -> str:
    """The error as the command line shows it: `--by: 'Ada' is not a person ... (add with: ...)`."""
    text = exc.message
    if exc.field:
        text = f"{flag(exc.field, command_of(argv))}: {text}"
    if exc.hint:
        text += HINTS[exc.hint].format(program=exc.program or "PROGRAM", record=exc.record or "NAME")
    return text


def refusal(exc: AimsflowError, argv: Sequence[str] = ()) -> dict[str, Any]:
    """The error as `--json` shows it on stderr: one object a script reads instead of the line.

    `error` is the line render() words (without "error: "), `missing` every gate or readiness item
    the rule named (else []), `exit` the process's exit code; `field` (as this command calls it),
    `record` and `state` when the error knows them.
    """
    out: dict[str, Any] = {"error": render(exc, argv), "missing": list(getattr(exc, "missing", None) or []),
                           "exit": exc.exit_code}
    if exc.field:
        out["field"] = flag(exc.field, command_of(argv))
    if exc.record:
        out["record"] = exc.record
    if getattr(exc, "state", None):
        out["state"] = exc.state  # type: ignore[attr-defined]
    return out
