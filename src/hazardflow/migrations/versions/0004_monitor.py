"""monitor: thresholds, repair batches, extensions (issue 5)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 18:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import hazardflow.engine.schema  # noqa: F401

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('hazard_stat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('week', sa.String(length=10), nullable=False),
    sa.Column('county_code', sa.String(length=64), server_default='', nullable=False),
    sa.Column('level', sa.String(length=16), server_default='', nullable=False),
    sa.Column('unit_id', sa.Integer(), server_default='0', nullable=False),
    sa.Column('n', sa.Integer(), server_default='0', nullable=False),
    sa.Column('hours_sum', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_stat')),
    sa.UniqueConstraint('kind', 'week', 'county_code', 'level', 'unit_id', name='uq_hazard_stat_key')
    )
    op.create_table('hazard_stat_state',
    sa.Column('hazard_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=64), server_default='', nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('found_week', sa.String(length=10), nullable=False),
    sa.Column('closed_week', sa.String(length=10), nullable=True),
    sa.Column('hours', sa.Integer(), nullable=True),
    sa.Column('on_time', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.PrimaryKeyConstraint('hazard_id', name=op.f('pk_hazard_stat_state'))
    )
    op.create_table('monitor_mark',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_monitor_mark'))
    )
    op.create_table('monitor_threshold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=128), nullable=False),
    sa.Column('element_id', sa.String(length=255), server_default='', nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitor_threshold')),
    sa.UniqueConstraint('process_key', 'element_id', 'kind', name='uq_monitor_threshold_key')
    )
    op.create_table('repair_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('params', sa.Text(), server_default='{}', nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), server_default='0', nullable=False),
    sa.Column('succeeded', sa.Integer(), server_default='0', nullable=False),
    sa.Column('failed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.Column('finished_at', hazardflow.engine.schema.UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_batch'))
    )
    op.create_index('ix_repair_batch_actor', 'repair_batch', ['actor', 'created_at'], unique=False)
    op.create_table('repair_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('message', sa.Text(), server_default='', nullable=False),
    sa.Column('at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['repair_batch.id'], name=op.f('fk_repair_result_batch_id_repair_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_result'))
    )
    op.create_index('ix_repair_result_batch_id', 'repair_result', ['batch_id', 'id'], unique=False)
    op.create_table('extension_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('old_deadline', sa.String(length=10), nullable=True),
    sa.Column('new_deadline', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', hazardflow.engine.schema.UtcDateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'], name=op.f('fk_extension_request_case_id_process_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extension_request'))
    )
    op.create_index('ix_extension_request_case_id', 'extension_request', ['case_id'], unique=False)
    op.create_index('ix_extension_request_status', 'extension_request', ['status', 'case_id'], unique=False)
    op.create_index('ix_hazard_open_deadline', 'hazard', ['deadline', 'county_code', 'category', 'unit_id'], unique=False, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
    op.create_index('ix_hazard_updated_at', 'hazard', ['updated_at'], unique=False)
    op.create_index('ix_human_task_element_state', 'human_task', ['element_id', 'state'], unique=False)
    op.create_index('ix_human_task_open_created', 'human_task', ['created_at'], unique=False, sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))
    op.create_index('ix_human_task_unclaimed_created', 'human_task', ['created_at'], unique=False, sqlite_where=sa.text("state = 'open' AND assignee IS NULL"), postgresql_where=sa.text("state = 'open' AND assignee IS NULL"))
    op.create_index('ix_incident_open_created', 'incident', ['created_at'], unique=False, sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_incident_open_created', table_name='incident', sqlite_where=sa.text('resolved_at IS NULL'), postgresql_where=sa.text('resolved_at IS NULL'))
    op.drop_index('ix_human_task_unclaimed_created', table_name='human_task', sqlite_where=sa.text("state = 'open' AND assignee IS NULL"), postgresql_where=sa.text("state = 'open' AND assignee IS NULL"))
    op.drop_index('ix_human_task_open_created', table_name='human_task', sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'"))
    op.drop_index('ix_human_task_element_state', table_name='human_task')
    op.drop_index('ix_hazard_updated_at', table_name='hazard')
    op.drop_index('ix_hazard_open_deadline', table_name='hazard', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
    op.drop_index('ix_extension_request_status', table_name='extension_request')
    op.drop_index('ix_extension_request_case_id', table_name='extension_request')
    op.drop_table('extension_request')
    op.drop_index('ix_repair_result_batch_id', table_name='repair_result')
    op.drop_table('repair_result')
    op.drop_index('ix_repair_batch_actor', table_name='repair_batch')
    op.drop_table('repair_batch')
    op.drop_table('monitor_threshold')
    op.drop_table('monitor_mark')
    op.drop_table('hazard_stat_state')
    op.drop_table('hazard_stat')
