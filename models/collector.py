"""Evidence collectors: sources that fetch evidence for a control or clause on a schedule."""

from datetime import datetime

from sqlmodel import Field, UniqueConstraint

from models.base import Versioned, program_fk


class Collector(Versioned, table=True):
    __table_args__ = (UniqueConstraint("program_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    name: str
    ref: str  # the control or clause the evidence supports
    source: str  # files | http | command
    target: str  # folder, URL or command line
    pattern: str | None = None  # glob for a files source
    schedule: str = "FREQ=DAILY"  # an RFC 5545 RRULE, run by the evidence-collection deployment
    valid_for: str = "12m"
    consecutive_failures: int = 0
    last_run_at: datetime | None = None
    last_error: str | None = None
