"""The guards of a nonconformity's corrective-action loop (10.2): who verifies, and which way it goes."""

from __future__ import annotations

from dataclasses import dataclass

from states.audit import CB_AUDITS
from states.nonconformity import Severity


def verified_by_certification_body(severity: str, source: str) -> bool:
    """A major or a minor raised by a certification audit is verified by the certification body itself."""
    return severity in (Severity.MAJOR, Severity.MINOR) and source in CB_AUDITS


def verified_at_next_audit(severity: str, source: str) -> bool:
    """A certification audit's minor: the body accepts its action plan and verifies it at its next audit."""
    return severity == Severity.MINOR and source in CB_AUDITS


def verifier_role(severity: str, source: str) -> str:
    """The role whose member verifies a nonconformity's corrective action."""
    return "cb-auditor" if verified_by_certification_body(severity, source) else "internal-auditor"


def resolved_directly(severity: str) -> bool:
    """A Stage 1 area of concern is resolved directly, without the corrective-action loop."""
    return severity == Severity.CONCERN


@dataclass(frozen=True)
class NonconformityStep:
    """One step of the loop: the nonconformity, who acts, and what they found."""

    ref: str  # "NC-3"
    severity: str
    source: str  # the kind of audit that raised it
    implementer_id: int | None  # who implemented this round's action
    actor_id: int
    actor: str
    # Read only when it matters (verified_by_certification_body): None otherwise.
    actor_is_cb_auditor: bool | None = None
    effective: bool | None = None  # a verification's finding
    # Read only when it matters (verified_at_next_audit): the later certification audit, planned or in
    # progress, that the actor audits ("AUD-9"), or None when they audit none.
    actor_at_audit: str | None = None


def verifier_independent(f: NonconformityStep) -> list[str]:
    """The verifier is not the implementer, and a CB's major is verified by a CB auditor."""
    missing = []
    if f.implementer_id is not None and f.implementer_id == f.actor_id:
        missing.append(f"{f.ref}: {f.actor} implemented the action and cannot verify it")
    if verified_by_certification_body(f.severity, f.source) and not f.actor_is_cb_auditor:
        missing.append(f"{f.ref}: a {f.severity} from a {f.source} audit is verified by the certification body"
                       f"{' at its next audit' if verified_at_next_audit(f.severity, f.source) else ''}: "
                       f"{f.actor} is not a cb-auditor")
    elif verified_at_next_audit(f.severity, f.source) and f.actor_at_audit is None:
        missing.append(f"{f.ref}: a minor from a {f.source} audit is verified at the certification body's next "
                       f"audit: {f.actor} audits no later certification audit that is planned or in progress")
    return missing


def effective(f: NonconformityStep) -> list[str]:
    """A verification that found the action effective closes the loop."""
    return [] if f.effective else [f"{f.ref}: the action was found ineffective"]


def ineffective(f: NonconformityStep) -> list[str]:
    """A verification that found the action ineffective sends the loop back to root-cause analysis."""
    return [] if f.effective is False else [f"{f.ref}: the action was found effective"]


def is_concern(f: NonconformityStep) -> list[str]:
    """Only a Stage 1 area of concern is resolved directly."""
    if resolved_directly(f.severity):
        return []
    return [f"{f.ref}: only a Stage 1 concern is resolved directly; a {f.severity} goes through the "
            "corrective-action loop"]
