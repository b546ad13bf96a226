"""sealed checkpoints over the audit log (audit_checkpoint, audit_checkpoint_head)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 12:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('prev_mac', sa.String(length=64), nullable=False),
    sa.Column('case_count', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint'))
    )
    op.create_table('audit_checkpoint_head',
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['audit_checkpoint.id'],
                            name=op.f('fk_audit_checkpoint_head_checkpoint_id_audit_checkpoint')),
    sa.PrimaryKeyConstraint('checkpoint_id', 'case_id', name=op.f('pk_audit_checkpoint_head'))
    )
    op.create_index('ix_audit_checkpoint_head_case_seq', 'audit_checkpoint_head',
                    ['case_id', 'seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_checkpoint_head_case_seq', table_name='audit_checkpoint_head')
    op.drop_table('audit_checkpoint_head')
    op.drop_table('audit_checkpoint')
