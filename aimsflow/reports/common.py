"""What every report shares: its header (program, generation date, catalog version) and small readers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import select

from aimsflow import clock
from aimsflow.catalog import load_catalog
from aimsflow.rules.working_days import local_date
from aimsflow.uow import UnitOfWork
from models import Person, Program

Data = dict[str, Any]
AUDIT_NAMES = {"internal": "internal audit", "stage1": "Stage 1 audit", "stage2": "Stage 2 audit",
               "surveillance": "surveillance audit", "recertification": "recertification audit"}


def header(uow: UnitOfWork, program: Program, title: str, subtitle: str | None = None) -> Data:
    """The block at the top of every report; `generated` is the unit of work's clock, so output is reproducible."""
    return {
        "title": title,
        "subtitle": subtitle,
        "program": {
            "key": program.key,
            "name": program.name,
            "organization": program.organization,
            "scope": program.scope,
            "state": program.state,
            "cycle": program.cycle,
            "timezone": program.timezone,
        },
        "generated": uow.today(program).isoformat(),
        "simulated_clock": clock.is_simulated(uow.session),
        "catalog_version": load_catalog().version,
    }


def day(value: date | datetime | None, program: Program) -> str | None:
    """A date as YYYY-MM-DD; an instant becomes its calendar date in the program's time zone."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return local_date(value, program.timezone).isoformat()
    return value.isoformat()


def people(uow: UnitOfWork, program: Program) -> dict[int, str]:
    """Person id -> name, for every person of the program."""
    return {p.id: p.name for p in uow.session.exec(select(Person).where(Person.program_id == program.id))
            if p.id is not None}


def name_of(names: dict[int, str], person_id: int | None) -> str | None:
    return names.get(person_id) if person_id is not None else None


def catalog_order() -> dict[str, int]:
    """Clauses first, then Annex A controls, in the standard's order (other references sort after them)."""
    catalog = load_catalog()
    return {ref: i for i, ref in enumerate([*catalog.clause_ids, *catalog.control_ids])}


def by_catalog(ref: str, order: dict[str, int] | None = None) -> tuple[int, str]:
    order = order if order is not None else catalog_order()
    return order.get(ref, len(order)), ref


def split_refs(refs: list[str]) -> tuple[list[str], list[str]]:
    """A scope's clauses and its controls, each in catalog order."""
    order = catalog_order()
    ordered = sorted(refs, key=lambda r: by_catalog(r, order))
    return [r for r in ordered if not r.startswith("A.")], [r for r in ordered if r.startswith("A.")]
