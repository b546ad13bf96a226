"""the 2023 list of major-hazard triggers (医疗机构重大事故隐患判定清单（试行）) and each
hazard's classification against it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 15:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('major_hazard_item',
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('list_code', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=16), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_major_hazard_item'))
    )
    op.create_table('hazard_classification',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'],
                            name=op.f('fk_hazard_classification_case_id_process_case')),
    sa.ForeignKeyConstraint(['item_code'], ['major_hazard_item.code'],
                            name=op.f('fk_hazard_classification_item_code_major_hazard_item')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_hazard_classification'))
    )
    with op.batch_alter_table('hazard_classification', schema=None) as batch_op:
        batch_op.create_index('ix_hazard_classification_item_code', ['item_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('hazard_classification', schema=None) as batch_op:
        batch_op.drop_index('ix_hazard_classification_item_code')
    op.drop_table('hazard_classification')
    op.drop_table('major_hazard_item')
