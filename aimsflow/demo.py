"""The demo: a scenario (aimsflow/scenario.py) driven through the same services the CLI uses.

The built-in scenario is a sample insurer with twelve AI systems, from creation to recertification;
`aimsflow demo --scenario FILE` drives a consultant's own. On the simulated clock a three-year
journey runs in seconds; each clock move runs the daily checks (services.daily_check).
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
from typing import Any, Protocol

from dateutil.relativedelta import relativedelta
from sqlmodel import col, func, select

from aimsflow import clock
from aimsflow.errors import AimsflowError, InvalidInput
from aimsflow.scenario import Scenario, load_scenario, split_date_expression
from aimsflow.services import catalog, completion, daily_check, status
from aimsflow.services.lookup import get_program, person_name
from aimsflow.uow import UnitOfWork, unit_of_work
from models import Event, Finding, ImpactAssessment, Program, WorkItem
from models.db import engine_for
from states.work_item import ACTIVE

KEY = "merlion-insurance"  # the built-in scenario's program


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
    """Drives one scenario on a SQLite file: the steps of aimsflow.scenario, each through a service."""

    def __init__(self, db_path: Path, evidence_dir: Path, echo: Callable[[str], None],
                 owners: Owners | None = None, scenario: Scenario | None = None) -> None:
        self.scenario = scenario or load_scenario()
        self.key = KEY
        self.done = 0  # items completed since the last phase step
        self.names: dict[str, Any] = {}  # audits, findings and the certificate by the name a step gave them
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
        """A unit of work on the demo's database."""
        with unit_of_work(self.engine) as uow:
            yield uow

    def step(self, text: str) -> None:
        """Print one line of the journey, dated with the simulated day."""
        with self.uow() as uow:
            today = uow.now.date().isoformat()
        self.echo(f"[{today}] {text}")

    def set_clock(self, day: date) -> None:
        """Set the simulated clock to noon of `day`, then run the daily checks."""
        with self.uow() as uow:
            clock.set_simulated(uow.session, clock.at_noon(day))
        self.sweep()

    def advance(self, delta: relativedelta) -> None:
        """Move the simulated clock forward by `delta`, then run the daily checks."""
        with self.uow() as uow:
            clock.set_simulated(uow.session, uow.now + delta)
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
        """The program's simulated day."""
        with self.uow() as uow:
            return uow.today(get_program(uow.session, self.key))

    def file(self, name: str, text: str) -> str:
        """Write a file an owner attaches as evidence; its path."""
        path = self.files / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def open_items(self) -> list[OpenItem]:
        """The active items of the program with what their owners will enter."""
        with self.uow() as uow:
            program = get_program(uow.session, self.key)
            items = list(uow.session.exec(select(WorkItem).where(
                WorkItem.program_id == program.id, WorkItem.kind != "review_action").order_by(col(WorkItem.id))))
            rows = [(f"WI-{i.id}", i.kind, i.subject, person_name(uow.session, i.assignee_id) or self.manager())
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

    def complete_open_work(self, reviewer: str | None = None) -> int:
        """Every assignee completes their open items; evidence is then accepted by someone else."""
        reviewer = reviewer or self.manager()
        items = self.open_items()
        self.owners.complete(self, items)
        for item in items:
            with self.uow() as uow:
                state = uow.session.get_one(WorkItem, int(item.ref[3:])).state
            if state == "submitted":
                checker = reviewer if item.assignee != reviewer else self.role("internal-auditor", reviewer)
                with self.uow() as uow:
                    completion.review_work(uow, item.ref, by=checker, accept=True)
        return len(items)

    def next_reassessment(self) -> date | None:
        """The earliest date an in-scope system's impact assessment comes due."""
        with self.uow() as uow:
            program = get_program(uow.session, self.key)
            return uow.session.exec(select(func.min(ImpactAssessment.next_due)).where(
                ImpactAssessment.program_id == program.id, ImpactAssessment.state == "current")).one()

    def cycle_work(self, when: str) -> None:
        """Between audits the owners do what the daily and recurring checks opened: preparation, reassessments,
        evidence renewed before the audit, the AI policy's review."""
        with self.uow() as uow:
            daily_check.run_daily_checks(uow, get_program(uow.session, self.key), checks=daily_check.RECURRING)
        kinds = [item.kind for item in self.open_items()]
        if not self.complete_open_work():
            return
        reassessed = kinds.count("impact_assessment")
        counts = [(reassessed, "impact reassessment"), (len(kinds) - reassessed, "preparation item")]
        self.step(f"{when}: " + ", ".join(f"{n} {what}{'s' if n != 1 else ''}" for n, what in counts if n) + " done")

    def manager(self) -> str:
        """Who advances phases and reviews evidence: the scenario's first program manager."""
        return self.role("program-manager")

    def role(self, role: str, default: str | None = None) -> str:
        """The scenario's first person with `role` (else `default`, else its first person)."""
        return next((p["name"] for p in self.scenario.people if role in p["roles"]),
                    default or self.scenario.people[0]["name"])

    def advance_phase(self) -> str:
        """Advance through the gate, unless an owner's completion already moved the program on."""
        from aimsflow.services import phases

        with self.uow() as uow:
            program = get_program(uow.session, self.key)
            if program.state == self.phase:
                after = phases.advance_phase(uow, program, actor=self.manager())
            else:
                after = program.state
        self.phase = after
        self.timeline.append((after, self.today().isoformat()))
        return after

    def day(self, expression: Any) -> date:
        """The date a step's date expression names (aimsflow.scenario)."""
        anchor, terms = split_date_expression(expression)
        if anchor == "today":
            day = self.today()
        elif isinstance(anchor, date):
            day = anchor
        elif anchor in self.names and "on" in self.names[anchor]:
            day = self.names[anchor]["on"]
        else:
            cert = self.names.get("certificate")
            if cert is None:
                raise AimsflowError(f"'{anchor}': no certificate yet (a certify step comes first)")
            day = date.fromisoformat(cert[anchor])
        for sign, duration in terms:
            delta = clock.parse_duration(duration)
            day = day + delta if sign > 0 else day - delta
        return day

    def say(self, text: str) -> None:
        """Print a step's message; {done}, {phase} and the names of earlier steps are filled in."""
        try:
            line = text.format(done=self.done, phase=self.phase, **self.names)
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            raise InvalidInput(f"message '{text}' names nothing known ({exc})") from None
        self.step(line)

    def setup(self) -> None:
        """The program, its settings, people and AI systems, on the scenario's first day."""
        from aimsflow.services import inventory, people, program_settings, programs

        sc = self.scenario
        p = sc.program
        self.set_clock(p["start"])
        with self.uow() as uow:
            self.key = programs.create_program(
                uow, name=str(p["name"]), scope=str(p["scope"]), start=p["start"],
                timezone=p.get("timezone", "Asia/Singapore"), country=p.get("country", "SG"),
                existing_certifications=p.get("existing_certifications"), key=p.get("key"))
        self.timeline.append(("gap_analysis", p["start"].isoformat()))
        held = [c.upper().replace("ISO", "ISO ") for c in p.get("existing_certifications") or []]
        self.step(f"created program {self.key}" + (f" ({', '.join(held)} already held)" if held else ""))
        if sc.settings:
            with self.uow() as uow:
                program_settings.configure_program(uow, get_program(uow.session, self.key), sc.settings,
                                                   actor=self.manager())
        with self.uow() as uow:
            program = get_program(uow.session, self.key)
            for person in sc.people:
                people.add_person(uow, program, name=person["name"], roles=person["roles"],
                                  functions=person.get("functions") or [],
                                  email=person.get("email") or f"{person['name'].split()[0].lower()}@"
                                                               f"{self.key.split('-')[0]}.example")
        path = str(self.files / "inventory.csv")
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            fields = ["name", "purpose", "status", "risk_level", "owner", "in_scope"]
            writer.writerow(fields)
            for system in sc.systems:
                scope = system.get("in_scope", True)
                writer.writerow([*(system[f] for f in fields[:-1]),
                                 ("yes" if scope else "no") if isinstance(scope, bool) else scope])
        with self.uow() as uow:
            inventory.import_inventory(uow, get_program(uow.session, self.key), path)
        self.step(f"{len(sc.people)} people added, {len(sc.systems)} AI systems imported")

    def run(self) -> dict[str, object]:
        """Create the tables and the catalog, then the scenario's setup and each of its steps."""
        from aimsflow import demo_steps, migrate  # Alembic: only a demo being made pays for it

        started = time.perf_counter()
        migrate.create_database(self.engine)  # stamped: `init` and `db upgrade` know its schema
        with self.uow() as uow:
            catalog.load_into(uow.session)
        self.setup()
        for step in self.scenario.steps:
            try:
                demo_steps.run_step(self, step)
            except AimsflowError as exc:
                # The same error class (and exit code), naming the step that failed.
                raise type(exc)(f"scenario {self.scenario.source}: {step.where()}: {exc}") from None
        with self.uow() as uow:
            summary = status.program_status(uow, get_program(uow.session, self.key))
        summary["seconds"] = round(time.perf_counter() - started, 1)
        return summary


def run_demo(echo: Callable[[str], None] = print, db_path: str | None = None,
             owners: Owners | None = None, scenario: str | None = None) -> dict[str, object]:
    """Run a scenario (the built-in one by default) on a fresh SQLite file and print its summary."""
    plan = load_scenario(scenario)  # checked whole before the database is touched
    db = Path(db_path or os.environ.get("AIMSFLOW_DEMO_DB", "aimsflow-demo.db")).resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    evidence = db.with_name(db.stem + "-evidence")
    os.environ["AIMSFLOW_EVIDENCE_DIR"] = str(evidence)
    demo = Demo(db, evidence, echo, owners, plan)
    echo(f"aimsflow demo: {plan.program['name']}, {len(plan.systems)} AI systems, simulated clock")
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
         f"AIMSFLOW_DATABASE_URL=sqlite:///{db} aimsflow status {demo.key})")
    return summary
