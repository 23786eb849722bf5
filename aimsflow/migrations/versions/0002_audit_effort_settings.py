"""audit effort settings: surveillance and recertification days as shares of the initial audit

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing programs get the common practice (DOMAIN.md): a third and two thirds.
    with op.batch_alter_table('program') as batch:
        batch.add_column(sa.Column('surveillance_effort_percent', sa.Integer(), nullable=False,
                                   server_default='33'))
        batch.add_column(sa.Column('recertification_effort_percent', sa.Integer(), nullable=False,
                                   server_default='67'))
    with op.batch_alter_table('program') as batch:
        batch.alter_column('surveillance_effort_percent', server_default=None)
        batch.alter_column('recertification_effort_percent', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('program') as batch:
        batch.drop_column('recertification_effort_percent')
        batch.drop_column('surveillance_effort_percent')
