"""notifications: task links and dedupe; a covering index for the inbox's group tasks

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 18:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('task_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('once_key', sa.String(length=160), nullable=True))
        batch.create_foreign_key(op.f('fk_notification_task_id_human_task'), 'human_task',
                                 ['task_id'], ['id'])
        batch.create_unique_constraint('uq_notification_once_key', ['once_key'])
        batch.create_index('ix_notification_task_id_kind', ['task_id', 'kind'])
    with op.batch_alter_table('task_candidate') as batch:
        batch.drop_index('ix_task_candidate_role_unit')
        batch.create_index('ix_task_candidate_role_unit_task', ['role', 'unit', 'human_task_id'])


def downgrade() -> None:
    with op.batch_alter_table('task_candidate') as batch:
        batch.drop_index('ix_task_candidate_role_unit_task')
        batch.create_index('ix_task_candidate_role_unit', ['role', 'unit'])
    with op.batch_alter_table('notification') as batch:
        batch.drop_index('ix_notification_task_id_kind')
        batch.drop_constraint('uq_notification_once_key', type_='unique')
        batch.drop_constraint(op.f('fk_notification_task_id_human_task'), type_='foreignkey')
        batch.drop_column('once_key')
        batch.drop_column('task_id')
