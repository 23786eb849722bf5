"""What an owner's form asks, and why: the text and fields of one work item's completion form.

The Prefect owner-task builds its RunInput from this; the CLI does not need it. Plain data only.
"""

from __future__ import annotations

from dataclasses import dataclass

from aimsflow.catalog import load_catalog
from aimsflow.rules.gates import GATES
from states.program import PROGRAM

GATE_TITLES = {
    "gap_analysis_gate": "the gap-analysis exit gate",
    "foundation_gate": "the foundation-building exit gate",
    "controls_gate": "the controls-implementation exit gate",
    "testing_gate": "the testing-and-refinement exit gate",
}


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
