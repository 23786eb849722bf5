"""review runs: the reviewer's one-time code and the Prefect run waiting for their decision

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('work_item') as batch:
        batch.add_column(sa.Column('review_code_hash', sa.String(), nullable=True))
        batch.add_column(sa.Column('review_run_id', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('work_item') as batch:
        batch.drop_column('review_run_id')
        batch.drop_column('review_code_hash')
