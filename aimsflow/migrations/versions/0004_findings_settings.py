"""findings between audits and suspension: the raise-unaddressed-minors switch, the suspension limit,
and a suspension's date and causes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing programs get the common practice (DOMAIN.md): minors raised when found unaddressed, 6 months.
    with op.batch_alter_table('program') as batch:
        batch.add_column(sa.Column('raise_unaddressed_minors', sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column('suspension_limit_months', sa.Integer(), nullable=False, server_default='6'))
        batch.add_column(sa.Column('suspended_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('suspension_causes', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('program') as batch:
        batch.alter_column('raise_unaddressed_minors', server_default=None)
        batch.alter_column('suspension_limit_months', server_default=None)
        batch.alter_column('suspension_causes', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('program') as batch:
        batch.drop_column('suspension_causes')
        batch.drop_column('suspended_on')
        batch.drop_column('suspension_limit_months')
        batch.drop_column('raise_unaddressed_minors')
