"""inbox: saved filters and task comments

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 18:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import hazardflow.engine.schema  # noqa: F401

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('saved_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('shared_role', sa.String(length=64), nullable=True),
    sa.Column('created_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['app_user.id'], name=op.f('fk_saved_filter_owner_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filter'))
    )
    op.create_index('ix_saved_filter_owner_id', 'saved_filter', ['owner_id'], unique=False)
    op.create_index('ix_saved_filter_shared_role', 'saved_filter', ['shared_role'], unique=False)
    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'], name=op.f('fk_comment_case_id_process_case')),
    sa.ForeignKeyConstraint(['task_id'], ['human_task.id'], name=op.f('fk_comment_task_id_human_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    op.create_index('ix_comment_case_id', 'comment', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_comment_case_id', table_name='comment')
    op.drop_table('comment')
    op.drop_index('ix_saved_filter_shared_role', table_name='saved_filter')
    op.drop_index('ix_saved_filter_owner_id', table_name='saved_filter')
    op.drop_table('saved_filter')
