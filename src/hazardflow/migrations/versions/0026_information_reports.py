"""information reports (信息报告) of events up the chain: the events, each report (首报, 续报,
终报) with who filed and who acknowledged it, and the deadlines per level of event

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 06:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event_deadline',
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('first_minutes', sa.Integer(), nullable=False),
    sa.Column('final_days', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('level', name=op.f('pk_event_deadline'))
    )
    op.create_table('info_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=255), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', UtcDateTime(), nullable=False),
    sa.Column('known_at', UtcDateTime(), nullable=False),
    sa.Column('first_due_at', UtcDateTime(), nullable=False),
    sa.Column('final_due_at', UtcDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('first_overdue', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('final_overdue', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('last_report_at', UtcDateTime(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('closed_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'],
                            name=op.f('fk_info_event_case_id_process_case')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_info_event_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_event')),
    sa.UniqueConstraint('case_id', name=op.f('uq_info_event_case_id'))
    )
    with op.batch_alter_table('info_event', schema=None) as batch_op:
        batch_op.create_index('ix_info_event_status', ['status'], unique=False)
        batch_op.create_index('ix_info_event_unit_id', ['unit_id'], unique=False)
    op.create_table('info_event_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('situation', sa.Text(), nullable=False),
    sa.Column('deaths', sa.Integer(), server_default='0', nullable=False),
    sa.Column('injuries', sa.Integer(), server_default='0', nullable=False),
    sa.Column('measures', sa.Text(), nullable=False),
    sa.Column('late', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('reported_by', sa.String(length=64), nullable=False),
    sa.Column('reported_at', UtcDateTime(), nullable=False),
    sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
    sa.Column('acknowledged_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['info_event.id'],
                            name=op.f('fk_info_event_report_event_id_info_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_event_report'))
    )
    with op.batch_alter_table('info_event_report', schema=None) as batch_op:
        batch_op.create_index('ix_info_event_report_event_id', ['event_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('info_event_report', schema=None) as batch_op:
        batch_op.drop_index('ix_info_event_report_event_id')
    op.drop_table('info_event_report')
    with op.batch_alter_table('info_event', schema=None) as batch_op:
        batch_op.drop_index('ix_info_event_unit_id')
        batch_op.drop_index('ix_info_event_status')
    op.drop_table('info_event')
    op.drop_table('event_deadline')
