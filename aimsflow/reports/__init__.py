"""The reports an auditor reads: one service function per report compiles plain data, then it is rendered.

`compile_report(uow, program, kind)` reads the record inside a unit of work; `render_report(kind, data,
fmt)` turns that data into self-contained HTML or Markdown after the transaction, from templates/reports/.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from aimsflow.errors import InvalidInput
from aimsflow.reports.certification_calendar import compile_certification_calendar
from aimsflow.reports.common import Data
from aimsflow.reports.evidence_portfolio import compile_evidence_portfolio
from aimsflow.reports.gap_analysis import compile_gap_analysis
from aimsflow.reports.internal_audit import compile_internal_audit
from aimsflow.reports.inventory import assessed_systems, compile_impact_assessment, compile_inventory
from aimsflow.reports.management_review import compile_management_review
from aimsflow.reports.nonconformities import compile_nonconformities
from aimsflow.reports.rendering import FORMATS, render_report
from aimsflow.reports.risk_register import compile_risk_register
from aimsflow.reports.roadmap import compile_roadmap
from aimsflow.reports.stage_1_pack import compile_stage_1_pack
from aimsflow.reports.statement_of_applicability import compile_soa
from aimsflow.reports.surveillance_pack import compile_surveillance_pack
from aimsflow.uow import UnitOfWork
from models import Program


@dataclass(frozen=True)
class ReportKind:
    name: str
    title: str
    compile: Callable[[UnitOfWork, Program], Data]
    per_system: bool = False  # the impact-assessment record is one system's: it needs --system


def _impact_assessment(uow: UnitOfWork, program: Program) -> Data:
    """Without a system this refuses, naming the systems to choose from."""
    return compile_impact_assessment(uow, program, None)


KINDS: dict[str, ReportKind] = {k.name: k for k in (
    ReportKind("gap-analysis", "gap analysis: every clause 4.1-10.2 assessed, with its gaps", compile_gap_analysis),
    ReportKind("soa", "Statement of Applicability: every Annex A and added control", compile_soa),
    ReportKind("risk-register", "risk register and treatment plan, with heat maps", compile_risk_register),
    ReportKind("inventory", "AI system inventory with impact-assessment status", compile_inventory),
    ReportKind("impact-assessment", "impact assessment record of one AI system (--system NAME)",
               _impact_assessment, per_system=True),
    ReportKind("internal-audit", "internal audits: scope, auditors, findings, coverage", compile_internal_audit),
    ReportKind("stage-1-pack", "Stage 1 readiness pack", compile_stage_1_pack),
    ReportKind("surveillance-pack", "surveillance readiness pack: the next surveillance or recertification audit",
               compile_surveillance_pack),
    ReportKind("evidence-portfolio", "evidence by clause and control: hash, dates, reviewer",
               compile_evidence_portfolio),
    ReportKind("management-review", "management review minutes: inputs (a)-(e), outputs, actions",
               compile_management_review),
    ReportKind("nonconformities", "nonconformities and every corrective-action round", compile_nonconformities),
    ReportKind("roadmap", "roadmap: phases planned against actual, milestones (Gantt chart)", compile_roadmap),
    ReportKind("certification-calendar", "the three-year certification cycle and its windows",
               compile_certification_calendar),
)}


def report_kind(name: str) -> ReportKind:
    if name not in KINDS:
        raise InvalidInput(f"KIND: '{name}' is not a report (one of: {', '.join(KINDS)}, or all)")
    return KINDS[name]


def compile_report(uow: UnitOfWork, program: Program, kind: str, *, system: str | None = None) -> Data:
    """The data of one report of a program, read in one unit of work."""
    spec = report_kind(kind)
    if spec.per_system:
        return compile_impact_assessment(uow, program, system)
    if system:
        raise InvalidInput(f"--system applies to impact-assessment only, not {kind}")
    return spec.compile(uow, program)


def file_name(kind: str, fmt: str, system: str | None = None) -> str:
    """A safe file name for a report: 'soa.html', 'impact-assessment-claims-triage.md'."""
    if system is None:
        return f"{kind}.{fmt}"
    slug = re.sub(r"[^a-z0-9]+", "-", system.lower()).strip("-") or "system"
    if slug != system:  # two names may share a slug ('Chat bot', 'chat-bot'): the hash keeps them apart
        slug += "-" + hashlib.sha256(system.encode()).hexdigest()[:8]
    return f"{kind}-{slug}.{fmt}"


__all__ = ["FORMATS", "KINDS", "ReportKind", "assessed_systems", "compile_report", "file_name", "render_report",
           "report_kind"]
