"""The certificate of one cycle: decision date, expiry and status."""

from datetime import date

from sqlmodel import Field, UniqueConstraint

from models.base import Versioned, program_fk


class Certificate(Versioned, table=True):
    __table_args__ = (UniqueConstraint("program_id", "cycle"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    cycle: int
    decision_date: date
    expiry: date
    status: str = "active"  # active | suspended | lapsed | superseded | withdrawn
