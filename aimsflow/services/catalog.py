"""Loading the catalog data files into their tables (idempotent: `init` may run again)."""

from __future__ import annotations

from sqlmodel import Session, SQLModel

from aimsflow.catalog import load_catalog
from models import AnnexCItem, Clause, Control, CrosswalkEntry


def load_into(session: Session) -> dict[str, int]:
    """Write every clause, control, Annex C item and crosswalk entry; return the counts."""
    catalog = load_catalog()
    version = catalog.version
    rows: list[SQLModel] = [
        *(Clause(id=c.id, title=c.title, requires_document=c.document, requires_records=c.records,
                 catalog_version=version) for c in catalog.clauses),
        *(Control(id=c.id, group_id=c.group_id, group_title=c.group_title, title=c.title, catalog_version=version)
          for c in catalog.controls),
        *(AnnexCItem(id=f"objective:{o}", kind="objective", name=o, catalog_version=version)
          for o in catalog.objectives),
        *(AnnexCItem(id=f"risk_source:{r}", kind="risk_source", name=r, catalog_version=version)
          for r in catalog.risk_sources),
        *(CrosswalkEntry(article=x["article"], title=x["title"], refs=list(x["refs"]), catalog_version=version)
          for x in catalog.crosswalk),
    ]
    for row in rows:
        session.merge(row)
    return {"clauses": len(catalog.clauses), "controls": len(catalog.controls),
            "annex_c": len(catalog.objectives) + len(catalog.risk_sources), "crosswalk": len(catalog.crosswalk),
            "version": version}  # type: ignore[dict-item]
