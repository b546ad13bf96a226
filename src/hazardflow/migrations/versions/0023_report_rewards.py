"""rewards for public reports (举报奖励): the city's tiers by hazard level, one reward per
report following its report_reward case (the official working-day calendar needs no table)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 06:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reward_tier',
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('level', name=op.f('pk_reward_tier'))
    )
    op.create_table('report_reward',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('hazard_level', sa.String(length=16), nullable=False),
    sa.Column('tier_amount', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=True),
    sa.Column('amount_reason', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', UtcDateTime(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_amount', sa.Integer(), nullable=True),
    sa.Column('payment_ref', sa.String(length=128), nullable=True),
    sa.Column('proposed_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['public_report.id'],
                            name=op.f('fk_report_reward_report_id_public_report')),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'],
                            name=op.f('fk_report_reward_case_id_process_case')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'],
                            name=op.f('fk_report_reward_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_reward')),
    sa.UniqueConstraint('case_id', name=op.f('uq_report_reward_case_id')),
    sa.UniqueConstraint('report_id', name=op.f('uq_report_reward_report_id'))
    )
    with op.batch_alter_table('report_reward', schema=None) as batch_op:
        batch_op.create_index('ix_report_reward_status', ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report_reward', schema=None) as batch_op:
        batch_op.drop_index('ix_report_reward_status')
    op.drop_table('report_reward')
    op.drop_table('reward_tier')
