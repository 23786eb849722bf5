"""What an owner's form asks, and why: the text and fields of one work item's completion form.

The Prefect owner-task builds its RunInput from this; the CLI does not need it. Plain data only.
A refused submission is shown in the form's own words (`refusal`): the field by its label, a
next step as something to do, never a command-line flag or command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aimsflow.catalog import load_catalog
from aimsflow.errors import AimsflowError, Hint
from aimsflow.rules.gates import GATES
from states.program import PROGRAM

GATE_TITLES = {
    "gap_analysis_gate": "the gap-analysis exit gate",
    "foundation_gate": "the foundation-building exit gate",
    "controls_gate": "the controls-implementation exit gate",
    "testing_gate": "the testing-and-refinement exit gate",
}


# The form's fields by parameter name, as the form labels them (flows/owner_task.py's form_model titles).
FIELD_LABELS = {
    "code": "Completion code",
    "assessment": "Assessment",
    "approve": "Approve",
    "effective": "Effective",
    "note": "Note",
    "files": "Evidence from the inbox",
    "evidence": "Evidence links or hashes",
}

# The reviewer's form (flows/review_task.py's review_form titles).
REVIEW_FIELD_LABELS = {"code": "Review code", "decision": "Decision", "reason": "Reason"}

# A next step in the owner's words: they cannot run commands, so they ask who can.
HINT_WORDS: dict[Hint, str] = {
    "create_program": " (the program manager creates the program first)",
    "init_database": " (the administrator initializes the database first)",
    "add_person": " (ask the program manager to add them to the program)",
    "add_evidence": " (drop the file into the evidence inbox and choose it under Evidence from the inbox)",
    "use_inbox": " (drop the file into the evidence inbox and choose it under Evidence from the inbox, or give an "
                 "https:// link)",
    "grant_role": " (the program manager can give them another role)",
    "record_risk_criteria": " (the program manager records the risk acceptance criteria first)",
    "schedule_audit": " (the program manager schedules the audit next)",
    "audit_readiness": " (the program manager sees what is missing in the audit's readiness; top management may "
                       "waive an item with a written reason)",
    "close_audit": " (the program manager closes the audit next)",
    "record_certification_decision": " (the program manager records the certification decision next)",
}

# A flag in a message from a module still worded for the command line ("describe it with --note"): the
# form names its field in plain words there ("describe it with note"), as the sentence reads.
_FLAG = re.compile(r"--([a-z][a-z-]*)(?: FILE)?")


def label(field: str) -> str:
    """The form's label for a field ("note" -> "Note"); a field the form lacks in plain words."""
    return FIELD_LABELS.get(field, field.replace("_", " "))


def refusal(exc: AimsflowError, labels: dict[str, str] = FIELD_LABELS) -> str:
    """Why a submission was refused, as the form says it: its field by label, its next step in words."""
    text = _FLAG.sub(lambda m: label(m.group(1).replace("-", "_")).lower(), exc.message)
    if exc.field in labels:
        text = f"**{labels[exc.field]}**: {text}"
    elif exc.field:
        text = f"{label(exc.field)}: {text}"
    return text + (HINT_WORDS[exc.hint] if exc.hint else "")


@dataclass(frozen=True)
class FormSpec:
    item_id: str
    kind: str
    title: str
    description: str  # markdown shown above the form
    asks_assessment: bool  # conforms | partial | gap
    asks_evidence: bool  # at least one evidence reference is required
    accepts_evidence: bool  # evidence may be attached
    asks_decision: bool  # approve, or say why not
    inbox: str | None = None  # the evidence inbox's folder; None when the server has none
    inbox_files: tuple[str, ...] = ()  # the inbox's files not yet claimed, offered as a choice


def evidence_help(inbox: str | None, offered: int) -> str:
    """How to hand evidence in through the form: the inbox (if any), a link, or the hash of stored evidence."""
    others = ("give an https:// link under **Evidence links or hashes**, or the SHA-256 of evidence this program "
              "already has")
    if inbox is None:
        return (f"This server has no evidence inbox (ask the program manager for one): {others}.")
    if not offered:
        return (f"Drop the file into the evidence inbox (`{inbox}`): it is empty now, so reopen this form once the "
                f"file is there (a refused submission also brings the form back with the new list), or {others}.")
    return (f"Drop the file into the evidence inbox (`{inbox}`) and choose it under **Evidence from the inbox** "
            "(the list was read when this form was made; a refused submission brings it back with a new list), "
            f"or {others}.")


def _about(subject: str) -> str:
    catalog = load_catalog()
    if catalog.knows(subject):
        kind = "control" if subject.startswith("A.") else "clause"
        return f"{kind} {subject} ({catalog.title_of(subject)})"
    return subject


def form_spec(*, item_id: str, kind: str, title: str, subject: str, phase: str | None, due: str,
              assignee: str, program: str, problem: str | None = None, inbox: str | None = None,
              inbox_files: tuple[str, ...] = ()) -> FormSpec:
    """The form for one work item; `problem` is the reason a previous submission was refused."""
    gate = next((g for t in PROGRAM.candidates(phase or "", "advance") for g in t.guards), None)
    feeds = GATE_TITLES.get(gate or "", "the record of the AIMS") if gate in GATES else "the record of the AIMS"
    lines = []
    if problem:
        lines += [f"> **Not accepted:** {problem}", ""]
    lines += [
        f"## {item_id}: {title}",
        "",
        f"**Program** {program} · **assigned to** {assignee} · **due** {due}",
        "",
        f"**About:** {_about(subject)}. **Feeds:** {feeds}.",
        "",
    ]
    asks_assessment = kind == "clause_assessment"
    asks_evidence = kind == "evidence"
    asks_decision = kind == "approval"
    if asks_assessment:
        lines.append("Rate current practice against the clause (conforms, partial or gap) and explain it in the note.")
    if asks_evidence:
        lines.append("Give the evidence; someone other than you will review it.")
    if asks_decision:
        lines.append("As top management, approve it, or do not approve it and say why in the note.")
    if kind == "record":
        lines.append("Attach the record (evidence) or describe it in the note.")
    accepts_evidence = kind in ("evidence", "record")
    if accepts_evidence:
        lines += ["", evidence_help(inbox, len(inbox_files))]
    lines += ["", "Enter the **completion code** from your assignment notice: it makes this completion yours."]
    return FormSpec(item_id, kind, title, "\n".join(lines), asks_assessment, asks_evidence, accepts_evidence,
                    asks_decision, inbox if accepts_evidence else None, inbox_files if accepts_evidence else ())
