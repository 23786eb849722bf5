"""The ISO/IEC 42001 catalog as versioned data files, and their loader."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class CatalogClause:
    id: str
    title: str
    document: bool
    records: bool


@dataclass(frozen=True)
class CatalogControl:
    id: str
    group_id: str
    group_title: str
    title: str


@dataclass(frozen=True)
class Catalog:
    version: str
    clauses: tuple[CatalogClause, ...]
    controls: tuple[CatalogControl, ...]
    objectives: tuple[str, ...]
    risk_sources: tuple[str, ...]
    crosswalk: tuple[dict[str, Any], ...]
    act_dates: tuple[dict[str, Any], ...]

    @property
    def clause_ids(self) -> list[str]:
        return [c.id for c in self.clauses]

    @property
    def control_ids(self) -> list[str]:
        return [c.id for c in self.controls]

    def title_of(self, ref: str) -> str:
        titles = {c.id: c.title for c in self.clauses} | {c.id: c.title for c in self.controls}
        if ref in titles:
            return titles[ref]
        raise KeyError(ref)

    def knows(self, ref: str) -> bool:
        return ref in self.clause_ids or ref in self.control_ids


# libyaml's safe loader when PyYAML was built with it: every command that reads a program loads the
# catalog, and the pure-Python parser took most of its 20 ms.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.load(text, Loader=_SAFE_LOADER)
    return data


@cache
def load_catalog() -> Catalog:
    clauses = _read("clauses.yaml")
    annex_a = _read("annex_a.yaml")
    annex_c = _read("annex_c.yaml")
    act = _read("eu_ai_act.yaml")
    controls = tuple(
        CatalogControl(c["id"], g["id"], g["title"], c["title"]) for g in annex_a["groups"] for c in g["controls"]
    )
    return Catalog(
        version=f'{clauses["catalog_version"]}+{act["catalog_version"]}',
        clauses=tuple(
            CatalogClause(c["id"], c["title"], bool(c.get("document")), bool(c.get("records")))
            for c in clauses["clauses"]
        ),
        controls=controls,
        objectives=tuple(annex_c["objectives"]),
        risk_sources=tuple(annex_c["risk_sources"]),
        crosswalk=tuple(act["crosswalk"]),
        act_dates=tuple(act["dates"]),
    )
