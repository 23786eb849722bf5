"""What each phase delivers, and how an existing certification shortens the work."""

from __future__ import annotations

from aimsflow.rules.deliverables import reuse_hint


def test_an_organization_with_iso_27001_reuses_its_risk_management_and_internal_audit() -> None:
    assert reuse_hint("risk-framework", ["iso27001"]) == (
        "reuse the ISO 27001 risk management: link its evidence and extend it for AI")
    assert reuse_hint("internal-audit", ["iso27001", "iso9001"]) == (
        "reuse the ISO 27001 / ISO 9001 internal audit programme: link its evidence and extend it for AI")
    assert reuse_hint("policy", ["iso27001"]) is None, "the AI policy is new work"
    assert reuse_hint("risk-framework", []) is None
