"""designer: drafts and migration batches (issue 4)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 18:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import hazardflow.engine.schema  # noqa: F401

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('designer_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=128), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('bpmn_xml', sa.Text(), nullable=False),
    sa.Column('forms', sa.Text(), server_default='{}', nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('revision', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.Column('updated_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_designer_draft'))
    )
    op.create_index('ix_designer_draft_process_key', 'designer_draft', ['process_key'],
                    unique=False)
    op.create_table('migration_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_key', sa.String(length=128), nullable=False),
    sa.Column('from_version', sa.Integer(), nullable=False),
    sa.Column('to_version', sa.Integer(), nullable=False),
    sa.Column('mapping', sa.Text(), server_default='{}', nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), server_default='0', nullable=False),
    sa.Column('moved', sa.Integer(), server_default='0', nullable=False),
    sa.Column('blocked', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.Column('finished_at', hazardflow.engine.schema.UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_migration_batch'))
    )
    op.create_table('migration_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('from_revision', sa.Integer(), nullable=True),
    sa.Column('to_revision', sa.Integer(), nullable=True),
    sa.Column('at', hazardflow.engine.schema.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['migration_batch.id'],
                            name=op.f('fk_migration_case_batch_id_migration_batch'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'],
                            name=op.f('fk_migration_case_case_id_process_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_migration_case'))
    )
    op.create_index('ix_migration_case_batch_id', 'migration_case', ['batch_id', 'status'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_migration_case_batch_id', table_name='migration_case')
    op.drop_table('migration_case')
    op.drop_table('migration_batch')
    op.drop_index('ix_designer_draft_process_key', table_name='designer_draft')
    op.drop_table('designer_draft')
