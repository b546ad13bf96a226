"""duty rosters (值班备勤): monthly rosters, swaps, higher duty levels, duty phones

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 06:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.Constraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], ondelete=ondelete,
                                   name=op.f(f'fk_{table}_{column}_{target}'))


def upgrade() -> None:
    op.create_table('duty_roster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('duty_phone', sa.String(length=32), nullable=True),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    _fk('duty_roster', 'unit_id', 'unit'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_roster')),
    sa.UniqueConstraint('unit_id', 'month', name='uq_duty_roster_unit_month')
    )
    op.create_table('duty_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roster_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('post', sa.String(length=8), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    _fk('duty_assignment', 'roster_id', 'duty_roster', 'CASCADE'),
    _fk('duty_assignment', 'user_id', 'app_user'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_assignment')),
    sa.UniqueConstraint('roster_id', 'day', 'user_id', name='uq_duty_assignment_day_user')
    )
    op.create_index('ix_duty_assignment_day', 'duty_assignment', ['day'], unique=False)
    op.create_table('duty_swap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roster_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('post', sa.String(length=8), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=False),
    sa.Column('colleague_id', sa.Integer(), nullable=False),
    sa.Column('other_day', sa.String(length=10), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_at', UtcDateTime(), nullable=False),
    sa.Column('answered_at', UtcDateTime(), nullable=True),
    sa.Column('decided_at', UtcDateTime(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    _fk('duty_swap', 'roster_id', 'duty_roster', 'CASCADE'),
    _fk('duty_swap', 'requester_id', 'app_user'),
    _fk('duty_swap', 'colleague_id', 'app_user'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_swap'))
    )
    op.create_index('ix_duty_swap_roster_id_status', 'duty_swap', ['roster_id', 'status'],
                    unique=False)
    op.create_table('duty_level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('starts_on', sa.String(length=10), nullable=False),
    sa.Column('ends_on', sa.String(length=10), nullable=False),
    sa.Column('min_leaders', sa.Integer(), nullable=False),
    sa.Column('min_staff', sa.Integer(), nullable=False),
    sa.Column('declared_by', sa.String(length=64), nullable=False),
    sa.Column('declared_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_level'))
    )
    op.create_index('ix_duty_level_starts_on', 'duty_level', ['starts_on'], unique=False)
    op.create_table('duty_contact',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    _fk('duty_contact', 'user_id', 'app_user', 'CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_duty_contact'))
    )


def downgrade() -> None:
    op.drop_table('duty_contact')
    op.drop_index('ix_duty_level_starts_on', table_name='duty_level')
    op.drop_table('duty_level')
    op.drop_index('ix_duty_swap_roster_id_status', table_name='duty_swap')
    op.drop_table('duty_swap')
    op.drop_index('ix_duty_assignment_day', table_name='duty_assignment')
    op.drop_table('duty_assignment')
    op.drop_table('duty_roster')
