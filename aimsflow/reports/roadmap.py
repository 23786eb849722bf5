"""The roadmap: phases planned against actual, and the milestones (audits, certificate decisions), as a Gantt chart."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from aimsflow.reports.common import AUDIT_NAMES, Data, day, header
from aimsflow.reports.rendering import human
from aimsflow.reports.timeline import Bar, Point, Row, chart
from aimsflow.uow import UnitOfWork
from models import Audit, Certificate, PhaseRecord, Program


def compile_roadmap(uow: UnitOfWork, program: Program) -> Data:
    """Each phase's planned and actual span with its slip in days; audits and decisions as milestones."""
    head = header(uow, program, "Roadmap", "phases planned against actual, with milestones")
    today = uow.today(program)
    phases, rows = [], []
    for p in uow.session.exec(select(PhaseRecord).where(PhaseRecord.program_id == program.id)
                              .order_by(col(PhaseRecord.cycle), col(PhaseRecord.id))):
        ended = p.ended_on
        slip = ((ended or today) - p.planned_end).days if ended or today > p.planned_end else 0
        label = human(p.phase) + (f" (cycle {p.cycle})" if p.cycle > 1 else "")
        phases.append({"phase": p.phase, "label": label, "cycle": p.cycle,
                       "planned_start": day(p.planned_start, program), "planned_end": day(p.planned_end, program),
                       "started": day(p.started_on, program), "ended": day(ended, program),
                       "ongoing": ended is None, "slip_days": slip,
                       "planned_days": (p.planned_end - p.planned_start).days,
                       "actual_days": ((ended or today) - p.started_on).days})
        actual_end = ended or today
        rows.append(Row(label, bars=[
            Bar(p.planned_start, p.planned_end, "planned", f"planned {p.planned_start} to {p.planned_end}", "upper"),
            Bar(p.started_on, actual_end, "actual" if ended else "ongoing",
                f"actual {p.started_on} to {ended or 'today'}", "lower"),
        ]))
    milestones: list[tuple[date, Data]] = []
    for a in uow.session.exec(select(Audit).where(Audit.program_id == program.id).order_by(col(Audit.id))):
        name = AUDIT_NAMES.get(a.kind, a.kind) + (f" {a.sequence}" if a.kind == "surveillance" else "")
        milestones.append((a.start_date, {"id": f"AUD-{a.id}", "label": f"AUD-{a.id} {name}", "kind": "audit",
                                          "date": day(a.start_date, program), "end": day(a.end_date, program),
                                          "state": a.state, "cycle": a.cycle}))
    for c in uow.session.exec(select(Certificate).where(Certificate.program_id == program.id)
                              .order_by(col(Certificate.cycle))):
        label = "certification decision" if c.cycle == 1 else "recertification decision"
        milestones.append((c.decision_date, {"id": f"CERT-{c.cycle}", "label": f"{label} (cycle {c.cycle})",
                                             "kind": "decision", "date": day(c.decision_date, program),
                                             "end": None, "state": c.status, "cycle": c.cycle}))
    milestones.sort(key=lambda m: (m[0], m[1]["id"]))
    for on, m in milestones:
        rows.append(Row(m["label"], points=[Point(on, m["kind"], f"{m['label']} on {on}")]))
    return {"header": head, "phases": phases, "milestones": [m for _, m in milestones],
            "chart": chart(rows, today) if rows else None}
