"""system journal: the audit log of acts outside any one case

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import hazardflow.engine.schema  # noqa: F401

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('system_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_system_event')),
    sa.UniqueConstraint('seq', name='uq_system_event_seq')
    )
    op.create_index('ix_system_event_action_at', 'system_event', ['action', 'at'], unique=False)
    op.create_index('ix_system_event_subject', 'system_event', ['subject'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_system_event_subject', table_name='system_event')
    op.drop_index('ix_system_event_action_at', table_name='system_event')
    op.drop_table('system_event')
