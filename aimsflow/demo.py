"""The demo journey: a sample insurer with twelve AI systems, from creation to recertification.

Everything goes through the same services the CLI uses, on the simulated clock, so a three-year
journey runs in seconds. It includes a Stage 1 concern, a major whose first corrective action is
found ineffective, surveillance audits and the first recertification.
"""

from __future__ import annotations

import csv
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from dateutil.relativedelta import relativedelta
from sqlmodel import col, func, select

from aimsflow import clock
from aimsflow.catalog import load_catalog
from aimsflow.services import (
    audits,
    catalog,
    certification,
    completion,
    daily_check,
    findings,
    inventory,
    nonconformities,
    people,
    phases,
    program_settings,
    programs,
    reviews,
    risks,
    soa,
    status,
)
from aimsflow.services.lookup import get_program, person_name
from aimsflow.uow import UnitOfWork, unit_of_work
from models import Event, Finding, ImpactAssessment, Program, WorkItem
from models.db import create_tables, engine_for
from states.work_item import ACTIVE

KEY = "merlion-insurance"
PEOPLE = [
    ("Priya Raman", ["program-manager"], []),
    ("Tan Wei Ming", ["owner"], ["technology"]),
    ("Nur Aisyah", ["owner"], ["legal"]),
    ("Daniel Lim", ["owner"], ["compliance"]),
    ("Siti Rahman", ["owner"], ["operations"]),
    ("Grace Ong", ["owner"], ["hr"]),
    ("Mei Chen", ["top-management"], []),
    ("Arjun Nair", ["internal-auditor"], []),
    ("Helena Berg", ["cb-auditor"], []),
]
SYSTEMS = [
    ("claims-triage", "routes incoming claims by urgency", "deployed", "high", "Tan Wei Ming", "yes"),
    ("fraud-scoring", "scores claims for fraud indicators", "deployed", "high", "Daniel Lim", "yes"),
    ("underwriting-assist", "suggests premiums for SME policies", "deployed", "high", "Nur Aisyah", "yes"),
    ("chatbot", "answers policyholder questions", "deployed", "limited", "Siti Rahman", "yes"),
    ("doc-extract", "extracts fields from claim documents", "deployed", "minimal", "Tan Wei Ming", "yes"),
    ("call-summaries", "summarizes contact-centre calls", "in-development", "limited", "Siti Rahman", "yes"),
    ("lapse-prediction", "predicts policy lapses for retention", "deployed", "limited", "Daniel Lim", "yes"),
    ("hr-screening", "ranks job applicants", "planned", "high", "Grace Ong", "yes"),
    ("damage-vision", "estimates vehicle damage from photos", "in-development", "high", "Tan Wei Ming", "yes"),
    ("marketing-copy", "drafts marketing copy", "deployed", "minimal", "Grace Ong", "no"),
    ("code-assistant", "helps developers write code", "deployed", "minimal", "Tan Wei Ming", "no"),
    ("legacy-rules", "rule-based pricing engine, retired", "retired", "minimal", "Nur Aisyah", "no"),
]
EXCLUDED = {"A.10.4": "Merlion sells to policyholders, not to customers integrating its AI systems"}


@dataclass(frozen=True)
class OpenItem:
    """An item an owner completes in the demo, with what that owner would enter."""

    ref: str
    kind: str
    subject: str
    assignee: str
    note: str
    assessment: str | None
    evidence: list[str]


class Owners(Protocol):
    """How the demo's owners complete their work: directly, or through Prefect's owner-task forms."""

    def complete(self, demo: Demo, items: list[OpenItem]) -> None: ...


class DirectOwners:
    """Owners who complete their items through the service layer, as `aimsflow work complete` does."""

    def complete(self, demo: Demo, items: list[OpenItem]) -> None:
        for item in items:
            with demo.uow() as uow:
                completion.complete_work(uow, item.ref, by=item.assignee, evidence=item.evidence, note=item.note,
                                         assessment=item.assessment)


class Demo:
    def __init__(self, db_path: Path, evidence_dir: Path, echo: Callable[[str], None],
                 owners: Owners | None = None) -> None:
        self.engine = engine_for(f"sqlite:///{db_path}")
        self.evidence_dir = evidence_dir
        self.echo = echo
        self.owners: Owners = owners or DirectOwners()
        self.counts = {"escalations": 0}
        self.timeline: list[tuple[str, str]] = []
        self.phase = "gap_analysis"
        self.files = Path(tempfile.mkdtemp(prefix="aimsflow-demo-"))

    @contextmanager
    def uow(self) -> Iterator[UnitOfWork]:
        with unit_of_work(self.engine) as uow:
            yield uow

    def step(self, text: str) -> None:
        with self.uow() as uow:
            today = uow.now.date().isoformat()
        self.echo(f"[{today}] {text}")

    def set_clock(self, day: date) -> None:
        with self.uow() as uow:
            clock.set_simulated(uow.session, clock.at_noon(day))
        self.sweep()

    def advance(self, months: int = 0, days: int = 0) -> None:
        with self.uow() as uow:
            clock.set_simulated(uow.session, uow.now + relativedelta(months=months, days=days))
        self.sweep()

    def sweep(self) -> None:
        """The daily checks (services.daily_check), run whenever the simulated clock moves."""
        with self.uow() as uow:
            keys = list(uow.session.exec(select(Program.key)))
        for key in keys:
            with self.uow() as uow:
                result = daily_check.run_daily_checks(uow, get_program(uow.session, key))
            assert result.swept is not None
            self.counts["escalations"] += len(result.swept.escalations)

    def today(self) -> date:
        with self.uow() as uow:
            return uow.today(get_program(uow.session, KEY))

    def file(self, name: str, text: str) -> str:
        path = self.files / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def open_items(self) -> list[OpenItem]:
        """The active items of the program with what their owners will enter."""
        with self.uow() as uow:
            program = get_program(uow.session, KEY)
            items = list(uow.session.exec(select(WorkItem).where(
                WorkItem.program_id == program.id, WorkItem.kind != "review_action").order_by(col(WorkItem.id))))
            rows = [(f"WI-{i.id}", i.kind, i.subject, person_name(uow.session, i.assignee_id) or "Priya Raman")
                    for i in items if i.state in {s.value for s in ACTIVE}]
        out = []
        for ref, kind, subject, assignee in rows:
            note, assessment, evidence = f"done for {subject}", None, []
            if kind == "clause_assessment":
                assessment = "partial" if subject in ("6.1.4", "8.4", "9.2") else "conforms"
                note = f"{assessment}: current practice reviewed against {subject}"
            if kind in ("evidence", "record"):
                evidence = [self.file(f"{subject}-{ref}.txt", f"evidence for {subject} ({ref})\n")]
            out.append(OpenItem(ref, kind, subject, assignee, note, assessment, evidence))
        return out

    def complete_open_work(self, reviewer: str = "Priya Raman") -> int:
        """Every assignee completes their open items; evidence is then accepted by someone else."""
        items = self.open_items()
        self.owners.complete(self, items)
        for item in items:
            with self.uow() as uow:
                state = uow.session.get_one(WorkItem, int(item.ref[3:])).state
            if state == "submitted":
                checker = reviewer if item.assignee != reviewer else "Arjun Nair"
                with self.uow() as uow:
                    completion.review_work(uow, item.ref, by=checker, accept=True)
        return len(items)

    def next_reassessment(self) -> date | None:
        """The earliest date an in-scope system's impact assessment comes due."""
        with self.uow() as uow:
            program = get_program(uow.session, KEY)
            return uow.session.exec(select(func.min(ImpactAssessment.next_due)).where(
                ImpactAssessment.program_id == program.id, ImpactAssessment.state == "current")).one()

    def cycle_work(self, when: str) -> None:
        """Between audits the owners do what the daily checks opened: preparation, reassessments."""
        kinds = [item.kind for item in self.open_items()]
        if not self.complete_open_work():
            return
        reassessed = kinds.count("impact_assessment")
        counts = [(reassessed, "impact reassessment"), (len(kinds) - reassessed, "preparation item")]
        self.step(f"{when}: " + ", ".join(f"{n} {what}{'s' if n != 1 else ''}" for n, what in counts if n) + " done")

    def advance_phase(self) -> str:
        """Advance through the gate, unless an owner's completion already moved the program on."""
        with self.uow() as uow:
            program = get_program(uow.session, KEY)
            if program.state == self.phase:
                after = phases.advance_phase(uow, program, actor="Priya Raman")
            else:
                after = program.state
        self.phase = after
        self.timeline.append((after, self.today().isoformat()))
        return after

    def run(self) -> dict[str, object]:
        started = time.perf_counter()
        create_tables(self.engine)
        with self.uow() as uow:
            catalog.load_into(uow.session)
        self.set_clock(date(2027, 1, 4))
        with self.uow() as uow:
            programs.create_program(uow, name="Merlion Insurance", scope="AI systems of claims, underwriting and "
                                    "customer service, Singapore head office", start=date(2027, 1, 4),
                                    timezone="Asia/Singapore", country="SG", existing_certifications=["iso27001"])
        self.timeline.append(("gap_analysis", "2027-01-04"))
        self.step("created program merlion-insurance (ISO 27001 already held)")
        with self.uow() as uow:
            # The organization reassesses its AI systems' impact every two years (and on every significant change).
            program_settings.configure_program(uow, get_program(uow.session, KEY),
                                               {"impact_assessment_interval_months": 24}, actor="Priya Raman")
        with self.uow() as uow:
            program = get_program(uow.session, KEY)
            for name, roles, functions in PEOPLE:
                people.add_person(uow, program, name=name, roles=roles, functions=functions,
                                  email=f"{name.split()[0].lower()}@merlion.example")
        path = str(self.files / "inventory.csv")
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["name", "purpose", "status", "risk_level", "owner", "in_scope"])
            writer.writerows(SYSTEMS)
        with self.uow() as uow:
            inventory.import_inventory(uow, get_program(uow.session, KEY), path)
        self.step(f"{len(PEOPLE)} people added, {len(SYSTEMS)} AI systems imported")

        # Phase 1: gap analysis
        self.advance(days=20)
        n = self.complete_open_work()
        self.advance(months=1, days=10)
        self.step(f"gap analysis: {n} items done -> {self.advance_phase()}")

        # Phase 2: foundation building
        with self.uow() as uow:
            risks.set_criteria(uow, get_program(uow.session, KEY), threshold=8, scale=5)
        self.advance(months=1)
        n = self.complete_open_work()
        self.advance(months=1)
        self.step(f"foundation building: {n} items done -> {self.advance_phase()}")

        # Phase 3: controls implementation
        with self.uow() as uow:
            program = get_program(uow.session, KEY)
            for control in load_catalog().control_ids:
                include = control not in EXCLUDED
                soa.set_entry(uow, program, control, include=include,
                              justification=EXCLUDED.get(control, "treats risks in the register"),
                              status="implemented" if include else None)
            for title, source, system, lik, imp, res in (
                ("unfair claim triage for elderly claimants", "machine-learning specific sources", "claims-triage",
                 4, 4, (2, 3)),
                ("fraud model drift", "life-cycle issues", "fraud-scoring", 3, 4, (3, 3)),
                ("chatbot gives wrong policy advice", "lack of transparency or explainability", "chatbot",
                 3, 3, (2, 2)),
            ):
                rid = risks.add_risk(uow, program, title=title, source=source, system=system, owner="Daniel Lim")
                risks.assess_risk(uow, rid, likelihood=lik, impact=imp)
                risks.treat_risk(uow, rid, treatment="mitigate", residual_likelihood=res[0],
                                 residual_impact=res[1], plan="controls in the SoA", controls=["A.6.2.6"])
                above = res[0] * res[1] > 8
                risks.accept_risk(uow, rid, by="Mei Chen" if above else "Daniel Lim",
                                  reason="residual accepted by the board: monitoring in place" if above else None)
        self.advance(months=2)
        n = self.complete_open_work()
        self.advance(months=1)
        with self.uow() as uow:
            inventory.record_significant_change(uow, get_program(uow.session, KEY), "chatbot",
                                                reason="retrained on 2027 policy wording")
        self.step("chatbot retrained: its impact assessment is stale and asked for again")
        n += self.complete_open_work()
        self.step(f"controls implementation: {n} items done -> {self.advance_phase()}")

        # Phase 4: testing and refinement
        self.advance(months=1)
        today = self.today()
        with self.uow() as uow:
            program = get_program(uow.session, KEY)
            aud = audits.schedule_audit(uow, program, "internal", on=today, auditors=["Arjun Nair"])
            f = findings.add_finding(uow, aud, severity="minor", ref_id="A.6.2.8", text="event logs kept 30 days, "
                                   "policy says 90")
        self.advance(days=3)
        with self.uow() as uow:
            audits.close_audit(uow, aud)
        self.loop(f["nonconformity"], verifier="Arjun Nair")
        today = self.today()
        with self.uow() as uow:
            reviews.hold_review(uow, get_program(uow.session, KEY), held_on=today, chair="Mei Chen",
                                inputs={"b": "EU AI Act Annex III dates moved to 2027-12-02",
                                        "c": "regulator asks for explainability of claim decisions"},
                                outputs="extend log retention; explainability report per claim",
                                actions=[f"Explainability report for claims-triage;Tan Wei Ming;"
                                         f"{(today + relativedelta(months=2)).isoformat()}"])
        self.advance(months=1)
        n = self.complete_open_work()
        self.advance(months=1)
        self.step(f"testing and refinement: internal audit, management review, {n} items -> {self.advance_phase()}")

        # Phase 5: certification
        s1_day = self.today() + relativedelta(days=14)
        with self.uow() as uow:
            program = get_program(uow.session, KEY)
            s1 = audits.schedule_audit(uow, program, "stage1", on=s1_day, auditors=["Helena Berg"])
        self.set_clock(s1_day + relativedelta(days=1))
        with self.uow() as uow:
            concern = findings.add_finding(uow, s1, severity="concern", ref_id="6.1.4",
                                         text="impact assessment method not documented for planned systems")
            audits.close_audit(uow, s1)
        self.set_clock(s1_day + relativedelta(days=6))
        with self.uow() as uow:
            nonconformities.advance_nonconformity(uow, concern["nonconformity"], "resolve", by="Nur Aisyah",
                                                  note="method documented in IA-PROC-2")
        self.step("Stage 1 done; its concern resolved")
        s2_day = s1_day + relativedelta(months=1)
        with self.uow() as uow:
            program = get_program(uow.session, KEY)
            s2 = audits.schedule_audit(uow, program, "stage2", on=s2_day, auditors=["Helena Berg"], days=4)
        self.set_clock(s2_day + relativedelta(days=2))
        with self.uow() as uow:
            major = findings.add_finding(uow, s2, severity="major", ref_id="9.1",
                                       text="no monitoring results for fraud-scoring since deployment")
            findings.add_finding(uow, s2, severity="minor", ref_id="A.7.5", text="data provenance incomplete")
            findings.add_finding(uow, s2, severity="ofi", ref_id="7.3", text="training could cover prompts")
        self.set_clock(s2_day + relativedelta(days=4))
        with self.uow() as uow:
            audits.close_audit(uow, s2)
        self.step(f"Stage 2 done: {major['nonconformity']} major (verify by {major['verify_by']})")
        self.loop(major["nonconformity"], verifier="Helena Berg", ineffective_first=True)
        with self.uow() as uow:
            for nc in nonconformities.list_nonconformities(uow, get_program(uow.session, KEY), open_only=True):
                if nc["severity"] == "minor" and nc["state"] in ("raised",):
                    for trig in ("correct", "analyse", "plan"):
                        nonconformities.advance_nonconformity(uow, nc["id"], trig, by="Daniel Lim",
                                                              note=f"{trig} for {nc['ref']}")
        decision = self.today() + relativedelta(days=10)
        self.set_clock(decision)
        with self.uow() as uow:
            cert = certification.certify(uow, get_program(uow.session, KEY), decision_date=decision)
        self.timeline.append(("certified", decision.isoformat()))
        self.step(f"CERTIFIED: decision {cert['decision_date']}, expiry {cert['expiry']}")

        # The cycle: two surveillance audits, then recertification before expiry.
        for label, due in (("surveillance 1", date.fromisoformat(cert["surveillance_1_due"]) - relativedelta(months=1)),
                           ("surveillance 2", date(int(cert["surveillance_2_window"][0][:4]), 6, 15))):
            self.set_clock(due - relativedelta(days=7))
            self.cycle_work(f"before {label}")
            with self.uow() as uow:
                program = get_program(uow.session, KEY)
                a = audits.schedule_audit(uow, program, "surveillance", on=due, auditors=["Helena Berg"])
            self.set_clock(due + relativedelta(days=1))
            with self.uow() as uow:
                findings.add_finding(uow, a, severity="ofi", ref_id="10.1", text="trend reporting could be automated")
                audits.close_audit(uow, a)
                self.timeline.append((label, due.isoformat()))
            self.step(f"{label} audit passed")
            # Reassess each system's impact as its interval comes due, up to the next surveillance.
            while (reassess_by := self.next_reassessment()) and reassess_by < date(
                    int(cert["surveillance_2_window"][0][:4]), 6, 1):
                self.set_clock(reassess_by - relativedelta(days=10))
                self.cycle_work("impact assessments at their 24-month interval")
        recert_day = date.fromisoformat(cert["expiry"]) - relativedelta(months=3)
        self.set_clock(recert_day - relativedelta(days=7))
        self.cycle_work("before recertification")
        with self.uow() as uow:
            r = audits.schedule_audit(uow, get_program(uow.session, KEY), "recertification", on=recert_day,
                                      auditors=["Helena Berg"])
        self.set_clock(recert_day + relativedelta(days=3))
        with self.uow() as uow:
            audits.close_audit(uow, r)
        decided = recert_day + relativedelta(days=20)
        self.set_clock(decided)
        with self.uow() as uow:
            recert = certification.certify(uow, get_program(uow.session, KEY), decision_date=decided)
        self.timeline.append(("recertified", decided.isoformat()))
        self.step(f"RECERTIFIED: cycle {recert['cycle']}, new expiry {recert['expiry']}")
        with self.uow() as uow:
            summary = status.program_status(uow, get_program(uow.session, KEY))
        summary["seconds"] = round(time.perf_counter() - started, 1)
        return summary

    def loop(self, nc: str, *, verifier: str, ineffective_first: bool = False) -> None:
        """Run a nonconformity's corrective-action loop; optionally the first action fails verification."""
        steps = [("correct", "Siti Rahman"), ("analyse", "Siti Rahman"), ("plan", "Siti Rahman"),
                 ("implement", "Tan Wei Ming")]
        with self.uow() as uow:
            for trig, who in steps:
                nonconformities.advance_nonconformity(uow, nc, trig, by=who, note=f"{trig} recorded")
        self.advance(days=20)
        if ineffective_first:
            with self.uow() as uow:
                nonconformities.advance_nonconformity(uow, nc, "verify", by=verifier, effective=False,
                                                      note="monitoring still not producing results")
            self.step(f"{nc}: corrective action INEFFECTIVE -> back to root-cause analysis")
            with self.uow() as uow:
                for trig, who in steps[1:]:
                    nonconformities.advance_nonconformity(uow, nc, trig, by=who, note=f"{trig} (round 2)")
            self.advance(days=15)
        with self.uow() as uow:
            nonconformities.advance_nonconformity(uow, nc, "verify", by=verifier, effective=True,
                                                  note="verified on evidence")
            nonconformities.advance_nonconformity(uow, nc, "close", by=verifier)
        self.step(f"{nc}: corrective action verified effective and closed")


def run_demo(echo: Callable[[str], None] = print, db_path: str | None = None,
             owners: Owners | None = None) -> dict[str, object]:
    """Run the demo journey on a fresh SQLite file and print its summary."""
    db = Path(db_path or os.environ.get("AIMSFLOW_DEMO_DB", "aimsflow-demo.db")).resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    evidence = db.with_name(db.stem + "-evidence")
    os.environ["AIMSFLOW_EVIDENCE_DIR"] = str(evidence)
    demo = Demo(db, evidence, echo, owners)
    echo(f"aimsflow demo: Merlion Insurance, {len(SYSTEMS)} AI systems, simulated clock")
    summary = demo.run()
    echo("")
    echo("journey:")
    for label, day in demo.timeline:
        echo(f"  {day}  {label}")
    work = summary["work"]
    echo(f"work items: {work['total']} ({', '.join(f'{k} {v}' for k, v in sorted(work['by_state'].items()))})")  # type: ignore[index]
    with demo.uow() as uow:
        findings = list(uow.session.exec(select(Finding)))
        escalations = len(list(uow.session.exec(select(Event).where(Event.trigger == "escalate"))))
    by_severity = {s: sum(1 for f in findings if f.severity == s) for s in ("concern", "major", "minor", "ofi")}
    echo(f"findings: {len(findings)} ({', '.join(f'{k} {v}' for k, v in by_severity.items())}); "
         f"escalations: {escalations}")
    echo(f"events in the trail: {summary['events']}")
    echo(f"finished in {summary['seconds']} s; database: {db} (inspect it with: "
         f"AIMSFLOW_DATABASE_URL=sqlite:///{db} aimsflow status {KEY})")
    return summary
