"""Integration fixtures: a full dump of the database, and a builder that walks a program's journey.

The builder drives the command line only (the same commands a program manager types); it takes
two runners so a test can send the steps it asserts on through a subprocess (`cli`) and the bulk
of the set-up through the same `main()` in this process (`run`). A state the builder reaches is
saved once per session and database kind, and copied into the next test that asks for it, so a
refusal at Stage 2 does not replay the four phases before it in every test.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.dumps import difference, dump

# --- the database, dumped whole -----------------------------------------------------------------


@pytest.fixture
def unchanged(database_url: str) -> Callable[[], contextlib.AbstractContextManager[None]]:
    """`with unchanged(): ...` fails the test if the block changed any row of the database."""

    @contextlib.contextmanager
    def guard() -> Iterator[None]:
        before = dump(database_url)
        assert sum(map(len, before.values())) > 0, "the database is empty: nothing to compare"
        yield
        after = dump(database_url)
        assert after == before, "the database changed:\n" + difference(before, after)

    return guard


class Refuse:
    """`refuse(*args)`: the command must be refused, in one line, leaving the database unchanged."""

    def __init__(self, runner: Any, unchanged: Callable[[], contextlib.AbstractContextManager[None]]) -> None:
        self.runner = runner
        self.unchanged = unchanged

    def __call__(self, *args: str) -> str:
        with self.unchanged():
            result = self.runner.refused(*args)
        line: str = result.error_lines[0]
        return line


@pytest.fixture
def refuse(run: Any, unchanged: Any) -> Refuse:
    """Refusals checked through `main()` in this process (quick)."""
    return Refuse(run, unchanged)


@pytest.fixture
def refuse_in_subprocess(cli: Any, unchanged: Any) -> Refuse:
    """Refusals checked through a real `aimsflow` process, as a user sees them."""
    return Refuse(cli, unchanged)


# --- saved states: built once per session, copied into each test that needs them ------------------


def _sqlite_path(url: str) -> str:
    database = make_url(url).database
    assert database, url
    return database


def _sqlite_copy(source: str, target: str) -> None:
    """A consistent copy through SQLite's backup API (it sees what the WAL holds)."""
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _copy_tree(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)


class Templates:
    """Named database states saved by the first test that reaches them (per database kind)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.saved: dict[tuple[str, str], tuple[str, Any]] = {}  # (kind, name) -> (where, value)
        self.schemas: list[str] = []

    @staticmethod
    def kind(url: str) -> str:
        return make_url(url).get_backend_name()

    def has(self, url: str, name: str) -> bool:
        return (self.kind(url), name) in self.saved

    def save(self, name: str, url: str, evidence_dir: Path, value: Any) -> None:
        slug = re.sub(r"[^a-z0-9]+", "_", name.lower())
        _copy_tree(evidence_dir, self.root / f"{slug}.evidence")
        if self.kind(url) == "sqlite":
            where = str(self.root / f"{slug}.db")
            _sqlite_copy(_sqlite_path(url), where)
        else:
            where = f"aimsflow_tmpl_{uuid.uuid4().hex[:12]}"
            engine = create_engine(url, poolclass=NullPool)
            try:
                with engine.begin() as conn:
                    source = conn.execute(text("SELECT current_schema()")).scalar_one()
                    conn.execute(text(f'CREATE SCHEMA "{where}"'))
                    self.schemas.append(where)
                    metadata = MetaData()
                    metadata.reflect(bind=conn)
                    for name_ in metadata.tables:
                        conn.execute(text(f'CREATE TABLE "{where}"."{name_}" AS SELECT * FROM "{source}"."{name_}"'))
            finally:
                engine.dispose()
        self.saved[(self.kind(url), name)] = (where, value)

    def restore(self, name: str, url: str, evidence_dir: Path) -> Any:
        """Copy a saved state into this test's (fresh, empty) database; returns the saved value."""
        from models.db import create_tables, engine_for

        where, value = self.saved[(self.kind(url), name)]
        slug = re.sub(r"[^a-z0-9]+", "_", name.lower())
        _copy_tree(self.root / f"{slug}.evidence", evidence_dir)
        engine_for(url).dispose()
        if self.kind(url) == "sqlite":
            _sqlite_copy(where, _sqlite_path(url))
            return value
        engine = create_engine(url, poolclass=NullPool)
        try:
            create_tables(engine)
            with engine.begin() as conn:
                target = conn.execute(text("SELECT current_schema()")).scalar_one()
                metadata = MetaData()
                metadata.reflect(bind=conn)
                for table in reversed(metadata.sorted_tables):  # `init` stamped it and loaded the catalog
                    conn.execute(text(f'DELETE FROM "{target}"."{table.name}"'))
                for table in metadata.sorted_tables:
                    # By name: create_all and the migrations may order a table's columns differently.
                    columns = ", ".join(f'"{c.name}"' for c in table.columns)
                    conn.execute(text(f'INSERT INTO "{target}"."{table.name}" ({columns}) '
                                      f'SELECT {columns} FROM "{where}"."{table.name}"'))
                    if "id" not in table.c:
                        continue
                    sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                            {"t": f'"{target}"."{table.name}"'}).scalar_one()
                    if sequence:
                        conn.execute(text(f'SELECT setval(:s, (SELECT COALESCE(MAX(id), 0) + 1 FROM '
                                          f'"{target}"."{table.name}"), false)'), {"s": sequence})
        finally:
            engine.dispose()
        return value

    def drop(self) -> None:
        base = os.environ.get("AIMSFLOW_TEST_DATABASE_URL")
        if not self.schemas or not base:
            return
        engine = create_engine(base, poolclass=NullPool)
        try:
            with engine.begin() as conn:
                for schema in self.schemas:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    saved = Templates(tmp_path_factory.mktemp("templates"))
    yield saved
    saved.drop()


# --- the organization -------------------------------------------------------------------------

PROGRAM = "merlion-insurance"
PM = "Priya Raman"
TOP = "David Chua"
AUDITOR = "Mei Ling Koh"  # internal auditor: owns no work, so may audit everything
CB = "Hendrik Vos"
TECH, LEGAL, COMPLIANCE, OPS, HR = "Tan Wei Ming", "Siti Rahman", "Arjun Mehta", "Grace Lim", "Nur Aisyah"


@dataclass(frozen=True)
class Member:
    name: str
    roles: tuple[str, ...]
    functions: tuple[str, ...] = ()


PEOPLE = (
    Member(PM, ("program-manager",)),
    Member(TECH, ("owner",), ("technology",)),
    Member(LEGAL, ("owner",), ("legal",)),
    Member(COMPLIANCE, ("owner",), ("compliance",)),
    Member(OPS, ("owner",), ("operations",)),
    Member(HR, ("owner",), ("hr",)),
    Member(TOP, ("top-management",)),
    Member(AUDITOR, ("internal-auditor",)),
    Member(CB, ("cb-auditor",)),
)

INVENTORY_CSV = f"""name,purpose,status,risk_level,owner,in_scope,ai_role
claims-triage,Route motor claims to adjusters,deployed,high,{TECH},yes,provider
underwriting-assistant,Suggest premiums to underwriters,in-development,limited,{OPS},yes,provider
fraud-scoring,Score claims for fraud review,deployed,high,{COMPLIANCE},yes,deployer
service-chatbot,Answer policyholder questions,planned,minimal,{OPS},no,deployer
"""
IN_SCOPE_SYSTEMS = ("claims-triage", "fraud-scoring", "underwriting-assistant")

# Annex A as DOMAIN.md lists it: 38 controls in 9 groups.
ANNEX_A = (
    "A.2.2", "A.2.3", "A.2.4", "A.3.2", "A.3.3", "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6",
    "A.5.2", "A.5.3", "A.5.4", "A.5.5", "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.4", "A.6.2.5",
    "A.6.2.6", "A.6.2.7", "A.6.2.8", "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6", "A.8.2", "A.8.3",
    "A.8.4", "A.8.5", "A.9.2", "A.9.3", "A.9.4", "A.10.2", "A.10.3", "A.10.4",
)
# A short SoA keeps the journey quick: every control decided, a few included (each needs evidence).
INCLUDED = ("A.2.2", "A.5.2", "A.6.2.6", "A.7.4", "A.8.4", "A.9.2")
EXCLUDED = tuple(c for c in ANNEX_A if c not in INCLUDED)
ACTIVE = {"open", "in_progress", "rejected", "overdue", "escalated"}
RATINGS = ("conforms", "partial", "gap")

# The simulated calendar of the journey.
START = "2025-01-06"
FOUNDATION_DAY = "2025-03-03"
CONTROLS_DAY = "2025-05-26"
TESTING_DAY = "2025-09-15"
INTERNAL_AUDIT_DAY = "2025-10-06"
REVIEW_DAY = "2025-11-03"
CERTIFICATION_DAY = "2025-12-01"


@dataclass
class Journey:
    """Walks Merlion Insurance through its journey with CLI commands.

    `cli` carries the steps a test asserts on; `run` carries bulk set-up (may be the same runner).
    """

    cli: Any
    run: Any
    files: Path
    templates: Templates | None = None
    program: str = PROGRAM
    _evidence_count: int = field(default=0)

    def reach(self, name: str, build: Callable[[], Any]) -> Any:
        """Build a named state, or copy it in when an earlier test of this session saved it."""
        if self.templates is None:
            return build()
        url, evidence = self.run.env["AIMSFLOW_DATABASE_URL"], Path(self.run.env["AIMSFLOW_EVIDENCE_DIR"])
        if self.templates.has(url, name):
            return self.templates.restore(name, url, evidence)
        value = build()
        self.templates.save(name, url, evidence, value)
        return value

    # - reading -

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = self.cli.json("status", self.program)
        return status

    def items(self, *, phase: str | None = None, kind: str | None = None, active: bool = True) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.run.json("work", "list", self.program)
        return [r for r in rows if (phase is None or r["phase"] == phase) and (kind is None or r["kind"] == kind)
                and (not active or r["state"] in ACTIVE)]

    def item(self, key: str) -> dict[str, Any]:
        rows: list[dict[str, Any]] = self.run.json("work", "list", self.program)
        return next(r for r in rows if r["key"] == key)

    def evidence_file(self, label: str) -> str:
        self._evidence_count += 1
        path = self.files / f"{self._evidence_count:03d}-{label.replace(':', '_').replace('/', '_')}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Merlion Insurance evidence #{self._evidence_count}: {label}\n", encoding="utf-8")
        return str(path)

    # - steps -

    def start(self, *, without_functions: tuple[str, ...] = ()) -> None:
        """init, the simulated clock, the program, its people and its inventory."""
        name = "started" + (f" without {','.join(without_functions)}" if without_functions else "")
        self.reach(name, lambda: self._start(without_functions=without_functions))

    def _start(self, *, without_functions: tuple[str, ...]) -> None:
        self.run.ok("init")
        self.run.ok("clock", "set", START)
        self.run.ok("program", "create", "Merlion Insurance", "--scope",
                    "AI systems of motor and health insurance operations in Singapore",
                    "--start", START, "--timezone", "Asia/Singapore", "--country", "SG")
        for m in PEOPLE:
            args = ["people", "add", self.program, m.name]
            for role in m.roles:
                args += ["--role", role]
            for function in m.functions:
                if function not in without_functions:
                    args += ["--function", function]
            self.run.ok(*args)
        inventory = self.files / "inventory.csv"
        inventory.parent.mkdir(parents=True, exist_ok=True)
        inventory.write_text(INVENTORY_CSV, encoding="utf-8")
        self.run.ok("inventory", "import", self.program, str(inventory))

    def complete(self, item: dict[str, Any], index: int = 0) -> dict[str, Any]:
        """The assignee completes an item with what its kind asks for."""
        args = ["work", "complete", item["id"], "--by", item["assignee"]]
        if item["kind"] == "clause_assessment":
            rating = RATINGS[index % len(RATINGS)]
            args += ["--assessment", rating, "--note", f"clause {item['subject']}: {rating} after interviews"]
        elif item["kind"] in ("evidence", "record"):
            args += ["--evidence", self.evidence_file(item["key"])]
        else:
            args += ["--note", f"done: {item['title']}"]
        done: dict[str, Any] = self.run.json(*args)
        return done

    def accept(self, item: dict[str, Any]) -> None:
        """Someone other than the submitter accepts submitted work (the named reviewer)."""
        reviewer = item.get("reviewer") or PM
        assert reviewer != item["assignee"], item
        self.run.ok("work", "accept", item["id"], "--by", reviewer)

    def complete_phase_work(self, phase: str, *, skip: tuple[str, ...] = ()) -> None:
        """Complete every active item of a phase (and have evidence accepted by someone else)."""
        for index, item in enumerate(self.items(phase=phase)):
            if item["key"] in skip or item["key"].split(":")[0] in skip:
                continue
            done = self.complete(item, index)
            if done["state"] == "submitted":
                self.accept(done)

    def advance(self) -> dict[str, Any]:
        moved: dict[str, Any] = self.cli.json("phase", "advance", self.program)
        return moved

    def finish_gap_analysis(self) -> None:
        self.complete_phase_work("gap_analysis")
        self.run.ok("clock", "set", FOUNDATION_DAY)

    def finish_foundation(self) -> None:
        self.run.ok("risk", "criteria", self.program, "--threshold", "8")
        self.complete_phase_work("foundation_building")
        self.run.ok("clock", "set", CONTROLS_DAY)

    def decide_soa(self) -> None:
        for control in ANNEX_A:
            if control in INCLUDED:
                self.run.ok("soa", "set", self.program, control, "--include", "--justification",
                            f"{control}: treats risks of the in-scope claims systems", "--status", "implemented")
            else:
                self.run.ok("soa", "set", self.program, control, "--exclude", "--justification",
                            f"{control}: no related risk in the current scope (risk assessment 2025-05)")

    def finish_controls(self) -> None:
        self.decide_soa()
        self.complete_phase_work("controls_implementation")
        self.run.ok("clock", "set", TESTING_DAY)

    def internal_audit(self, *, close: bool = True) -> str:
        """The PM runs the audit programme; the internal auditor (who owns no work) audits everything."""
        programme = self.item("internal-audit")
        if programme["assignee"] != PM:
            self.run.ok("work", "assign", programme["id"], "--to", PM)
        self.run.ok("clock", "set", INTERNAL_AUDIT_DAY)
        audit: str = self.run.json("audit", "schedule", self.program, "internal", "--date", INTERNAL_AUDIT_DAY,
                                   "--auditor", AUDITOR)["id"]
        if close:
            self.run.ok("audit", "close", audit)
        return audit

    def management_review(self) -> None:
        self.run.ok("clock", "set", REVIEW_DAY)
        self.run.ok("review", "hold", self.program, "--date", REVIEW_DAY, "--chair", TOP,
                    "--input-b", "MAS guidelines on AI risk management published for consultation",
                    "--input-c", "policyholders ask for explanations of claim decisions")

    def keep_up(self, day: str, *, scope: tuple[str, ...] = (), review: bool = True) -> None:
        """What the program does each year before a CB audit (readiness asks for each): on `day` the recurring
        checks run; evidence of every included control is renewed; the reassessments and the AI policy review
        they opened are done; an internal audit is held and closed, and a management review held."""
        self.run.ok("clock", "set", day, "--recurring")
        controls = [a for c in INCLUDED for a in ("--control", c)]
        renewed = self.run.json("evidence", "add", self.program, self.evidence_file(f"renewal-{day}"), *controls,
                                "--by", TECH)["id"]
        self.run.ok("evidence", "accept", renewed, "--by", PM)
        for item in self.items():
            if item["kind"] == "impact_assessment" or item["key"].startswith("policy-review:"):
                done = self.complete(item)
                if done["state"] == "submitted":
                    self.accept(done)
        audit = self.run.json("audit", "schedule", self.program, "internal", "--date", day, "--auditor", AUDITOR,
                              *[a for ref in scope for a in ("--scope", ref)])["id"]
        self.run.ok("audit", "close", audit)
        if review:
            self.run.ok("review", "hold", self.program, "--date", day, "--chair", TOP,
                        "--input-b", f"no change in external or internal issues as of {day}",
                        "--input-c", f"no change in interested parties' needs as of {day}")

    def finish_testing(self) -> None:
        self.internal_audit()
        self.management_review()
        self.complete_phase_work("testing_and_refinement")
        self.run.ok("clock", "set", CERTIFICATION_DAY)

    def to_phase(self, phase: str) -> None:
        """Reach the start of a phase the quick way (each earlier phase done and advanced)."""
        self.reach(f"at {phase}", lambda: self._to_phase(phase))

    def _to_phase(self, phase: str) -> None:
        order = ("gap_analysis", "foundation_building", "controls_implementation", "testing_and_refinement",
                 "certification_stage_1")
        finish = (self.finish_gap_analysis, self.finish_foundation, self.finish_controls, self.finish_testing)
        index = order.index(phase)
        if index == 0:
            self.start()
            return
        self.to_phase(order[index - 1])
        finish[index - 1]()
        self.run.ok("phase", "advance", self.program)


@pytest.fixture
def journey(run: Any, tmp_path: Path, templates: Templates) -> Journey:
    """A journey builder whose every step runs in this process, reusing states saved this session."""
    return Journey(cli=run, run=run, files=tmp_path / "files", templates=templates)
