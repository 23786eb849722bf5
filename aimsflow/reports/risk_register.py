"""The risk register and treatment plan, with likelihood x impact heat maps (inherent and residual)."""

from __future__ import annotations

from sqlmodel import col, select

from aimsflow.reports.common import Data, header, name_of, people
from aimsflow.rules.risk_acceptance import above_criteria
from aimsflow.services.entered_by import entries, shown_as
from aimsflow.uow import UnitOfWork
from models import AISystem, Program, Risk


def zone(score: int, threshold: int | None, scale: int) -> str:
    """The colour band of a cell: above the acceptance criteria is high; the lower half of the rest is low."""
    limit = threshold if threshold is not None else (scale * scale) // 2
    if score > limit:
        return "high"
    return "medium" if score * 2 > limit else "low"


def heat_map(risks: list[Data], scale: int, threshold: int | None, *, residual: bool) -> Data:
    """Rows of likelihood (highest first) by columns of impact, each cell with its score and risks."""
    lk, im = ("residual_likelihood", "residual_impact") if residual else ("likelihood", "impact")
    rows: list[Data] = []
    for likelihood in range(scale, 0, -1):
        cells: list[Data] = []
        for impact in range(1, scale + 1):
            here = [r["id"] for r in risks if r[lk] == likelihood and r[im] == impact]
            score = likelihood * impact
            cells.append({"likelihood": likelihood, "impact": impact, "score": score,
                          "zone": zone(score, threshold, scale), "count": len(here), "risks": here})
        rows.append({"likelihood": likelihood, "cells": cells})
    placed = sum(c["count"] for row in rows for c in row["cells"])
    return {"title": "residual" if residual else "inherent", "rows": rows, "impacts": list(range(1, scale + 1)),
            "placed": placed, "unscored": len(risks) - placed}


def compile_risk_register(uow: UnitOfWork, program: Program) -> Data:
    """Every risk with its scores, treatment, controls, residual and acceptance; two heat maps."""
    names = people(uow, program)
    assert program.id is not None
    typed_in = entries(uow, program.id, "risk", ("accept",))
    systems = {s.id: s.name for s in uow.session.exec(select(AISystem).where(AISystem.program_id == program.id))}
    threshold, scale = program.risk_threshold, program.risk_scale
    risks = []
    for r in uow.session.exec(select(Risk).where(Risk.program_id == program.id).order_by(col(Risk.id))):
        score = r.likelihood * r.impact if r.likelihood and r.impact else None
        residual = r.residual_likelihood * r.residual_impact if r.residual_likelihood and r.residual_impact else None
        risks.append({
            "id": f"RISK-{r.id}", "title": r.title, "source": r.source,
            "system": systems.get(r.system_id) if r.system_id else None, "owner": name_of(names, r.owner_id),
            "state": r.state, "likelihood": r.likelihood, "impact": r.impact, "score": score,
            "treatment": r.treatment, "plan": r.treatment_plan,
            "controls": [c.strip() for c in r.controls.split(",") if c.strip()],
            "residual_likelihood": r.residual_likelihood, "residual_impact": r.residual_impact,
            "residual": residual,
            "above_criteria": above_criteria(residual, threshold),
            "accepted_by": shown_as(name_of(names, r.accepted_by_id), typed_in.get((f"RISK-{r.id}", "accept", None))),
            "acceptance_reason": r.acceptance_reason,
        })
    return {
        "header": header(uow, program, "Risk register and treatment plan", "ISO/IEC 42001 6.1.2, 6.1.3, 8.2, 8.3"),
        "criteria": {"scale": scale, "threshold": threshold},
        "risks": risks,
        "heat_maps": [heat_map(risks, scale, threshold, residual=False),
                      heat_map(risks, scale, threshold, residual=True)],
    }
