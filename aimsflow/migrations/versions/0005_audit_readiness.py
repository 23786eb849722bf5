"""audit readiness: its settings, the two ISO/IEC 17021-1 caps as separate settings, audit waivers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('program') as batch:
        batch.add_column(sa.Column('restoration_window_months', sa.Integer(), nullable=False, server_default='6'))
        batch.add_column(sa.Column('readiness_lookback_months', sa.Integer(), nullable=False, server_default='12'))
        batch.add_column(sa.Column('policy_review_interval_months', sa.Integer(), nullable=False,
                                   server_default='12'))
    # The restoration window was the new-Stage-2 setting until now: it keeps that value, both capped at 6
    # months (ISO/IEC 17021-1).
    op.execute("UPDATE program SET restoration_window_months = CASE WHEN new_stage_2_after_months > 6 THEN 6 "
               "ELSE new_stage_2_after_months END")
    op.execute("UPDATE program SET new_stage_2_after_months = 6 WHERE new_stage_2_after_months > 6")
    with op.batch_alter_table('program') as batch:
        batch.alter_column('restoration_window_months', server_default=None)
        batch.alter_column('readiness_lookback_months', server_default=None)
        batch.alter_column('policy_review_interval_months', server_default=None)
    with op.batch_alter_table('waiver') as batch:
        batch.add_column(sa.Column('audit_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_waiver_audit_id_audit', 'audit', ['audit_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('waiver') as batch:
        batch.drop_constraint('fk_waiver_audit_id_audit', type_='foreignkey')
        batch.drop_column('audit_id')
    with op.batch_alter_table('program') as batch:
        batch.drop_column('policy_review_interval_months')
        batch.drop_column('readiness_lookback_months')
        batch.drop_column('restoration_window_months')
