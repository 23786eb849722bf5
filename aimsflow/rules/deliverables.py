"""What each phase delivers (DOMAIN.md): the work items a phase opens, as data.

A deliverable becomes one work item, or one per clause, per in-scope AI system or per included
control. `role` says who gets it; `months` is the phase's planned length, over which due dates
are spread in the order listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from states.program import ProgramState


class Kind(StrEnum):
    DELIVERABLE = "deliverable"  # a piece of work; completing it is the record
    DOCUMENT = "document"  # a documented information item (D in the clause list)
    RECORD = "record"  # records kept: needs an attached file or a note describing it
    APPROVAL = "approval"  # top management approves; completing it is the approval
    CLAUSE_ASSESSMENT = "clause_assessment"  # one clause of the gap analysis: conforms/partial/gap
    IMPACT_ASSESSMENT = "impact_assessment"  # one AI system's impact assessment
    EVIDENCE = "evidence"  # evidence for one included control; someone else accepts it
    CORRECTIVE_ACTION = "corrective_action"  # a step of a nonconformity's loop
    REVIEW_ACTION = "review_action"  # an output action of a management review


class Each(StrEnum):
    ONCE = "once"
    CLAUSE = "clause"
    IN_SCOPE_SYSTEM = "in_scope_system"
    INCLUDED_CONTROL = "included_control"


@dataclass(frozen=True)
class Deliverable:
    key: str
    kind: Kind
    subject: str
    title: str
    role: str
    each: Each = Each.ONCE


@dataclass(frozen=True)
class PhasePlan:
    phase: ProgramState
    months: int
    deliverables: tuple[Deliverable, ...]


PM, OWNER, TOP, AUDITOR = "program-manager", "owner", "top-management", "internal-auditor"

PLANS: tuple[PhasePlan, ...] = (
    PhasePlan(ProgramState.GAP_ANALYSIS, 2, (
        Deliverable("inventory", Kind.DELIVERABLE, "4.1",
                    "Inventory every AI system: deployed, in development and planned", PM),
        Deliverable("clause", Kind.CLAUSE_ASSESSMENT, "{ref}",
                    "Assess clause {ref} ({title}): conforms, partial or gap", OWNER, Each.CLAUSE),
        Deliverable("roadmap", Kind.DOCUMENT, "6.3", "Draft the prioritized roadmap", PM),
        Deliverable("roadmap-approval", Kind.APPROVAL, "6.3", "Approve the prioritized roadmap", TOP),
    )),
    PhasePlan(ProgramState.FOUNDATION_BUILDING, 3, (
        Deliverable("scope", Kind.DOCUMENT, "4.3", "Record the AIMS scope and boundaries", PM),
        Deliverable("committee", Kind.DELIVERABLE, "5.3",
                    "Form the governance committee: technology, legal, compliance, operations, HR", PM),
        Deliverable("policy", Kind.DOCUMENT, "5.2", "Write the AI policy", OWNER),
        Deliverable("policy-approval", Kind.APPROVAL, "5.2", "Approve the AI policy", TOP),
        Deliverable("risk-framework", Kind.DOCUMENT, "6.1.1",
                    "Write the risk framework with documented risk acceptance criteria", OWNER),
        Deliverable("processes", Kind.DOCUMENT, "8.1",
                    "Document the development, deployment and monitoring processes", OWNER),
        Deliverable("training", Kind.RECORD, "7.3", "Run awareness training and keep attendance records", OWNER),
    )),
    PhasePlan(ProgramState.CONTROLS_IMPLEMENTATION, 4, (
        Deliverable("soa", Kind.DOCUMENT, "6.1.3", "Complete the Statement of Applicability", PM),
        Deliverable("impact", Kind.IMPACT_ASSESSMENT, "{ref}",
                    "Assess the impact of AI system {ref}", OWNER, Each.IN_SCOPE_SYSTEM),
        Deliverable("evidence", Kind.EVIDENCE, "{ref}",
                    "Supply evidence for control {ref} ({title})", OWNER, Each.INCLUDED_CONTROL),
        Deliverable("monitoring", Kind.DELIVERABLE, "9.1", "Put monitoring and measurement in place", OWNER),
        Deliverable("pilot", Kind.RECORD, "8.1", "Pilot the new processes", OWNER),
    )),
    PhasePlan(ProgramState.TESTING_AND_REFINEMENT, 3, (
        Deliverable("internal-audit", Kind.DELIVERABLE, "9.2",
                    "Plan the internal audit programme over clauses 4-10 and every included control", PM),
        Deliverable("management-review", Kind.DELIVERABLE, "9.3",
                    "Hold the management review with inputs (a)-(e)", TOP),
        Deliverable("tabletop", Kind.RECORD, "A.8.4", "Run and record an incident-response tabletop exercise",
                    OWNER),
        Deliverable("portfolio", Kind.DOCUMENT, "7.5", "Assemble the evidence portfolio", PM),
    )),
    PhasePlan(ProgramState.CERTIFICATION_STAGE_1, 3, (
        Deliverable("stage-1-pack", Kind.DOCUMENT, "9.2", "Prepare the Stage 1 readiness pack", PM),
        Deliverable("stage-2-logistics", Kind.DELIVERABLE, "9.2",
                    "Arrange Stage 2: on-site days, interviewees, evidence access", PM),
    )),
)


def plan_for(phase: str) -> PhasePlan | None:
    for plan in PLANS:
        if plan.phase.value == phase:
            return plan
    return None


# The management-system parts ISO 27001 and ISO 9001 share with ISO 42001 (DOMAIN.md): an
# organization certified to either links the evidence it has and extends it for AI, not redo it.
REUSABLE = {"risk-framework": "risk management", "training": "competence and awareness records",
            "internal-audit": "internal audit programme", "management-review": "management review",
            "portfolio": "document control"}
CERTIFICATION_NAMES = {"iso27001": "ISO 27001", "iso9001": "ISO 9001"}


def reuse_hint(key: str, existing_certifications: list[str]) -> str | None:
    """How a deliverable builds on an existing certification, or None."""
    part = REUSABLE.get(key)
    if part is None or not existing_certifications:
        return None
    held = " / ".join(CERTIFICATION_NAMES.get(c, c) for c in existing_certifications)
    return f"reuse the {held} {part}: link its evidence and extend it for AI"
