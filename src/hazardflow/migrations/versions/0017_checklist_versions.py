"""versioned checklists (a running inspection keeps the version it started with) and the
2023-list item each checklist item checks

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 16:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('checklist') as batch:
        batch.add_column(sa.Column('version', sa.Integer(), server_default=sa.text('1'),
                                   nullable=False))
        batch.add_column(sa.Column('updated_by', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('updated_at', UtcDateTime(), nullable=True))
    with op.batch_alter_table('checklist_item') as batch:
        batch.add_column(sa.Column('major_item', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('version_from', sa.Integer(), server_default=sa.text('1'),
                                   nullable=False))
        batch.add_column(sa.Column('version_to', sa.Integer(), nullable=True))
        batch.drop_constraint('uq_checklist_item_position', type_='unique')
        batch.create_unique_constraint('uq_checklist_item_position',
                                       ['checklist_id', 'version_from', 'position'])
    with op.batch_alter_table('inspection') as batch:
        batch.add_column(sa.Column('checklist_version', sa.Integer(),
                                   server_default=sa.text('1'), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('inspection') as batch:
        batch.drop_column('checklist_version')
    op.execute("DELETE FROM checklist_item WHERE version_from > 1")
    with op.batch_alter_table('checklist_item') as batch:
        batch.drop_constraint('uq_checklist_item_position', type_='unique')
        batch.create_unique_constraint('uq_checklist_item_position',
                                       ['checklist_id', 'position'])
        batch.drop_column('version_to')
        batch.drop_column('version_from')
        batch.drop_column('major_item')
    with op.batch_alter_table('checklist') as batch:
        batch.drop_column('updated_at')
        batch.drop_column('updated_by')
        batch.drop_column('version')
