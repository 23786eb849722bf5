"""The ISO/IEC 42001 catalog: clauses, Annex A controls, Annex C items and the EU AI Act crosswalk.

Reference data shared by every program (so these rows carry a catalog version, not a program).
"""

from sqlmodel import Field, SQLModel

from models.base import json_list


class Clause(SQLModel, table=True):
    id: str = Field(primary_key=True)  # "4.1" ... "10.2"
    title: str
    requires_document: bool = False
    requires_records: bool = False
    catalog_version: str


class Control(SQLModel, table=True):
    id: str = Field(primary_key=True)  # "A.2.2" ...
    group_id: str = Field(index=True)  # "A.2"
    group_title: str
    title: str
    catalog_version: str


class AnnexCItem(SQLModel, table=True):
    __tablename__ = "annex_c_item"
    id: str = Field(primary_key=True)  # "objective:fairness"
    kind: str  # objective | risk_source
    name: str
    catalog_version: str


class CrosswalkEntry(SQLModel, table=True):
    __tablename__ = "crosswalk_entry"
    article: str = Field(primary_key=True)  # "Art. 9"
    title: str
    refs: list[str] = json_list()
    catalog_version: str
