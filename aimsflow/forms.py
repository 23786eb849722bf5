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
    "evidence": "Evidence",
}

# A next step in the owner's words: they cannot run commands, so they ask who can.
HINT_WORDS: dict[Hint, str] = {
    "create_program": " (the program manager creates the program first)",
    "add_person": " (ask the program manager to add them to the program)",
    "add_evidence": " (ask the program manager to add the file as evidence first, or give its path on the server)",
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


def refusal(exc: AimsflowError) -> str:
    """Why a submission was refused, as the form says it: its field by label, its next step in words."""
    text = _FLAG.sub(lambda m: label(m.group(1).replace("-", "_")).lower(), exc.message)
    if exc.field in FIELD_LABELS:
        text = f"**{label(exc.field)}**: {text}"
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


def _about(subject: str) -> str:
    catalog = load_catalog()
    if catalog.knows(subject):
        kind = "control" if subject.startswith("A.") else "clause"
        return f"{kind} {subject} ({catalog.title_of(subject)})"
    return subject


def form_spec(*, item_id: str, kind: str, title: str, subject: str, phase: str | None, due: str,
              assignee: str, program: str, problem: str | None = None) -> FormSpec:
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
        lines.append("Give the evidence: the SHA-256 of a file added with `aimsflow evidence add`, or a file path on "
                     "the aimsflow server. Someone other than you will review it.")
    if asks_decision:
        lines.append("As top management, approve it, or do not approve it and say why in the note.")
    if kind == "record":
        lines.append("Attach the record (evidence) or describe it in the note.")
    lines += ["", "Enter the **completion code** from your assignment notice: it makes this completion yours."]
    return FormSpec(item_id, kind, title, "\n".join(lines), asks_assessment, asks_evidence,
                    kind in ("evidence", "record"), asks_decision)
