"""incidents, complaints and monitoring results (10.2, A.8.4, Art. 73)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('incident',
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('serious', sa.Boolean(), nullable=False),
    sa.Column('serious_cause', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('found_on', sa.Date(), nullable=False),
    sa.Column('aware_on', sa.Date(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('nonconformity_id', sa.Integer(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['nonconformity_id'], ['nonconformity.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['system_id'], ['ai_system.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_program_id'), ['program_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_system_id'), ['system_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_system_id'))
        batch_op.drop_index(batch_op.f('ix_incident_state'))
        batch_op.drop_index(batch_op.f('ix_incident_program_id'))
    op.drop_table('incident')
