"""who found and who ordered a hazard, the report to 应急管理, the 挂牌督办 register

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HAZARD_COLUMNS = (('found_by_level', 8), ('found_by_body', 64), ('order_kind', 16),
                  ('ordered_by_body', 64), ('ordered_by_user', 64), ('ordered_on', 10),
                  ('emergency_reported_on', 10))


def upgrade() -> None:
    with op.batch_alter_table('hazard') as batch:
        for name, length in HAZARD_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    op.create_table('supervision_listing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('listed_level', sa.String(length=8), nullable=False),
    sa.Column('listed_by_body', sa.String(length=64), nullable=False),
    sa.Column('listed_by_user', sa.String(length=64), nullable=False),
    sa.Column('listed_at', UtcDateTime(), nullable=False),
    sa.Column('listing_reason', sa.Text(), nullable=False),
    sa.Column('delisted_at', UtcDateTime(), nullable=True),
    sa.Column('delisted_by_body', sa.String(length=64), nullable=True),
    sa.Column('delisted_by_user', sa.String(length=64), nullable=True),
    sa.Column('delisting_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'],
                            name=op.f('fk_supervision_listing_case_id_process_case')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'],
                            name=op.f('fk_supervision_listing_hazard_id_hazard')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_listing'))
    )
    op.create_index('ix_supervision_listing_hazard_id', 'supervision_listing', ['hazard_id'],
                    unique=False)
    op.create_index('ix_supervision_listing_case_id', 'supervision_listing', ['case_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_supervision_listing_case_id', table_name='supervision_listing')
    op.drop_index('ix_supervision_listing_hazard_id', table_name='supervision_listing')
    op.drop_table('supervision_listing')
    with op.batch_alter_table('hazard') as batch:
        for name, _ in reversed(HAZARD_COLUMNS):
            batch.drop_column(name)
