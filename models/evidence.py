"""Evidence records: a file known by its SHA-256, linked to controls or clauses, reviewed, expiring."""

from datetime import date, datetime

from sqlmodel import Field, UniqueConstraint

from models.base import Versioned, json_list, person_fk, program_fk, utcnow
from states.evidence import EvidenceState


class Evidence(Versioned, table=True):
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    sha256: str = Field(index=True)
    file_name: str
    media_type: str
    size: int
    refs: list[str] = json_list()
    collected_at: datetime = Field(default_factory=utcnow)
    valid_until: date
    state: str = EvidenceState.SUBMITTED.value
    submitted_by_id: int | None = person_fk()
    reviewed_by_id: int | None = person_fk()
    review_note: str | None = None
    work_item_id: int | None = Field(default=None, foreign_key="work_item.id")
    collector_id: int | None = Field(default=None, foreign_key="collector.id")
    reconfirmed_at: datetime | None = None  # a collector fetched the same content again


class EvidenceLink(Versioned, table=True):
    """Evidence per reference, for the gate's 'every included control has evidence' question."""

    __tablename__ = "evidence_link"
    __table_args__ = (UniqueConstraint("evidence_id", "ref"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    evidence_id: int = Field(foreign_key="evidence.id", index=True)
    ref: str = Field(index=True)
