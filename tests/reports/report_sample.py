"""The sample record the report tests render: the demo journey, plus a program of hostile names.

Both are built through the services on the simulated clock, in one SQLite file: the demo (Merlion
Insurance, 2027-01-04 to its recertification on 2030-12-22) for the golden files, and a small
program whose people, system, justifications and notes are markup, to show that no report lets
user input through unescaped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import col, select

from aimsflow.demo import KEY as DEMO
from aimsflow.reports import compile_report, render_report
from aimsflow.services import (
    audits,
    completion,
    findings,
    inventory,
    nonconformities,
    people,
    programs,
    reviews,
    risks,
    soa,
)
from aimsflow.services.lookup import get_program
from aimsflow.uow import unit_of_work
from models import WorkItem

GOLDEN = Path(__file__).parent / "golden"
IMPACT_SYSTEM = "chatbot"  # the demo's system with a significant change in its history

HOSTILE = "hostile"
PERSON = "<script>alert(1)</script>"  # a person (owner, PM, top management) ...
SYSTEM = "<script>alert(1)</script>"  # ... and an AI system of the same name
AUDITOR = "<script>alert('auditor')</script>"
JUSTIFICATION = "<img src=x onerror=alert(1)>"
TEXT = "<img src=x onerror=alert('text')>"  # notes, findings, reasons, review inputs and outputs
PROGRAM_NAME = "<script>alert('program')</script> Holdings"
SCOPE = "<img src=x onerror=alert('scope')> claims AI"
ADDED_TITLE = "<svg onload=alert('added')>"
PAYLOADS = (PERSON, AUDITOR, JUSTIFICATION, TEXT, PROGRAM_NAME, SCOPE, ADDED_TITLE)


@dataclass
class Sample:
    """The built database, and its reports rendered on demand (each once)."""

    engine: Engine
    folder: Path
    _cache: dict[tuple[str, str, str, str | None], str] = field(default_factory=dict, repr=False)

    def data(self, kind: str, program: str = DEMO, system: str | None = None) -> dict[str, Any]:
        with unit_of_work(self.engine) as uow:
            return compile_report(uow, get_program(uow.session, program), kind, system=system)

    def render(self, kind: str, fmt: str, program: str = DEMO, system: str | None = None) -> str:
        key = (kind, fmt, program, system)
        if key not in self._cache:
            self._cache[key] = render_report(kind, self.data(kind, program, system), fmt)
        return self._cache[key]


def build_hostile(uow_of: Callable[[], Any], files: Path) -> None:
    """A program in gap analysis whose every free-text field a report shows is markup."""
    with uow_of() as uow:
        programs.create_program(uow, name=PROGRAM_NAME, scope=SCOPE, start=date(2030, 12, 18), key=HOSTILE)
    with uow_of() as uow:
        p = get_program(uow.session, HOSTILE)
        people.add_person(uow, p, name=PERSON, roles=["program-manager", "owner", "top-management"])
        people.add_person(uow, p, name=AUDITOR, roles=["internal-auditor"])
    sheet = files / "inventory.csv"
    sheet.write_text("name,purpose,status,risk_level,owner,in_scope\n"
                     f'"{SYSTEM}","{TEXT}",deployed,high,"{PERSON}",yes\n', encoding="utf-8")
    evidence = files / f"{TEXT}.txt"
    evidence.write_text("hostile evidence\n", encoding="utf-8")
    with uow_of() as uow:
        p = get_program(uow.session, HOSTILE)
        inventory.import_inventory(uow, p, str(sheet))
        risks.set_criteria(uow, p, threshold=8, scale=5)
        soa.set_entry(uow, p, "A.2.2", include=True, justification=JUSTIFICATION, status="partial")
        soa.set_entry(uow, p, "A.10.4", include=False, justification="")  # an exclusion left unjustified
        soa.set_entry(uow, p, "ORG-1", include=True, justification=JUSTIFICATION, title=ADDED_TITLE)
        rid = risks.add_risk(uow, p, title=f"{SYSTEM} misroutes claims", system=SYSTEM, owner=PERSON)
        risks.assess_risk(uow, rid, likelihood=5, impact=5)
        risks.treat_risk(uow, rid, treatment="mitigate", residual_likelihood=3, residual_impact=4, plan=TEXT,
                         controls=["A.2.2"])
        risks.accept_risk(uow, rid, by=PERSON, reason=TEXT)
        inventory.record_significant_change(uow, p, SYSTEM, reason=TEXT)
    with uow_of() as uow:
        p = get_program(uow.session, HOSTILE)
        items = {w.key: f"WI-{w.id}" for w in uow.session.exec(select(WorkItem).where(
            WorkItem.program_id == p.id).order_by(col(WorkItem.id)))}
    with uow_of() as uow:
        completion.complete_work(uow, items["clause:4.1"], by=PERSON, assessment="gap", note=TEXT)
        completion.complete_work(uow, items["roadmap"], by=PERSON, note=TEXT, evidence=[str(evidence)])
        completion.complete_work(uow, items["roadmap-approval"], by=PERSON, note=TEXT)
    with uow_of() as uow:
        p = get_program(uow.session, HOSTILE)
        aud = audits.schedule_audit(uow, p, "internal", on=date(2030, 12, 18), auditors=[AUDITOR], scope=["9.1"])
        finding = findings.add_finding(uow, aud, severity="minor", ref_id="9.1", text=TEXT)
        audits.close_audit(uow, aud)
    with uow_of() as uow:
        for trigger in ("correct", "analyse", "plan", "implement"):
            nonconformities.advance_nonconformity(uow, finding["nonconformity"], trigger, by=PERSON, note=TEXT)
        nonconformities.advance_nonconformity(uow, finding["nonconformity"], "verify", by=AUDITOR, effective=False,
                                              note=TEXT)
    with uow_of() as uow:
        reviews.hold_review(uow, get_program(uow.session, HOSTILE), held_on=date(2030, 12, 18), chair=PERSON,
                            inputs={"b": TEXT, "c": TEXT}, outputs=TEXT, actions=[f"{TEXT};{PERSON};2031-02-03"])


def golden_path(kind: str, fmt: str) -> Path:
    return GOLDEN / f"{kind}.{fmt}"


def system_for(kind: str) -> str | None:
    return IMPACT_SYSTEM if kind == "impact-assessment" else None


# --- what the tests check every page for ---------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
FETCHING = {"src", "href", "xlink:href", "action", "formaction", "poster", "data", "srcset", "background"}
ACTIVE_TAGS = {"script", "img", "iframe", "object", "embed", "link", "base", "frame", "audio", "video"}


class PageChecker(HTMLParser):
    """Parses a page and notes unbalanced tags, anything that fetches or runs, and every tag seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, tuple[int, int]]] = []
        self.problems: list[str] = []
        self.tags: Counter[str] = Counter()

    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        if tag in ACTIVE_TAGS:
            self.problems.append(f"line {self.getpos()[0]}: <{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"line {self.getpos()[0]}: <{tag} {name}=...> event handler")
            if name in FETCHING and not (value or "").startswith("#"):
                self.problems.append(f"line {self.getpos()[0]}: <{tag} {name}={value!r}> points outside")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._attrs(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"line {self.getpos()[0]}: </{tag}> closes a void element")
        elif not self.stack or self.stack[-1][0] != tag:
            opened = f"<{self.stack[-1][0]}> of line {self.stack[-1][1][0]}" if self.stack else "nothing"
            self.problems.append(f"line {self.getpos()[0]}: </{tag}> closes {opened}")
        else:
            self.stack.pop()


def check_page(text: str) -> PageChecker:
    checker = PageChecker()
    checker.feed(text)
    checker.close()
    checker.problems += [f"<{tag}> of line {pos[0]} never closed" for tag, pos in checker.stack]
    return checker


def outside_references(text: str) -> list[str]:
    """Anything in a report, HTML or Markdown, that would reach the network."""
    lowered = text.lower()
    return [needle for needle in ("http://", "https://", "url(", "@import", "//cdn", "src=\"", "src='")
            if needle in lowered]
