"""the look-back (回头看): the sample rule of a commission, the rounds it drew and the
hazards sampled with the re-check's outcome and the repeat it opened

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 12:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('lookback_rule',
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('share_pct', sa.Integer(), nullable=False),
    sa.Column('at_least', sa.Integer(), server_default='0', nullable=False),
    sa.Column('majors_always', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['unit.id'], name=op.f('fk_lookback_rule_body_id_unit')),
    sa.PrimaryKeyConstraint('body_id', name=op.f('pk_lookback_rule'))
    )
    op.create_table('lookback_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('seed', sa.String(length=128), nullable=False),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('pool', sa.Integer(), nullable=False),
    sa.Column('drawn_by', sa.String(length=64), nullable=False),
    sa.Column('drawn_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['unit.id'],
                            name=op.f('fk_lookback_round_body_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lookback_round')),
    sa.UniqueConstraint('body_id', 'period', name='uq_lookback_round_body_period')
    )
    op.create_table('lookback_sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('recheck_body', sa.String(length=64), nullable=False),
    sa.Column('why', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('done_by', sa.String(length=64), nullable=True),
    sa.Column('done_at', UtcDateTime(), nullable=True),
    sa.Column('repeat_case_id', sa.Integer(), nullable=True),
    sa.Column('repeat_hazard_code', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'],
                            name=op.f('fk_lookback_sample_case_id_process_case')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'],
                            name=op.f('fk_lookback_sample_hazard_id_hazard')),
    sa.ForeignKeyConstraint(['repeat_case_id'], ['process_case.id'],
                            name=op.f('fk_lookback_sample_repeat_case_id_process_case')),
    sa.ForeignKeyConstraint(['round_id'], ['lookback_round.id'],
                            name=op.f('fk_lookback_sample_round_id_lookback_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lookback_sample')),
    sa.UniqueConstraint('case_id', name=op.f('uq_lookback_sample_case_id')),
    sa.UniqueConstraint('hazard_id', name=op.f('uq_lookback_sample_hazard_id')),
    sa.UniqueConstraint('repeat_case_id', name=op.f('uq_lookback_sample_repeat_case_id'))
    )
    with op.batch_alter_table('lookback_sample', schema=None) as batch_op:
        batch_op.create_index('ix_lookback_sample_round_id', ['round_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lookback_sample', schema=None) as batch_op:
        batch_op.drop_index('ix_lookback_sample_round_id')
    op.drop_table('lookback_sample')
    op.drop_table('lookback_round')
    op.drop_table('lookback_rule')
