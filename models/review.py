"""Management reviews (9.3): the inputs (a)-(e), the outputs, and who chaired."""

from datetime import date

from sqlmodel import Field

from models.base import Versioned, person_fk, program_fk


class ManagementReview(Versioned, table=True):
    __tablename__ = "management_review"
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = program_fk()
    held_on: date
    chair_id: int | None = person_fk()
    input_a_previous_actions: str
    input_b_external_internal_issues: str
    input_c_interested_parties: str
    input_d_performance: str
    input_e_improvement: str
    outputs: str = ""
