"""evidence files and numbered documents

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 18:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import hazardflow.engine.schema  # noqa: F401

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=128), nullable=False),
    sa.Column('thumb_key', sa.String(length=128), nullable=True),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'],
                            name=op.f('fk_evidence_case_id_process_case')),
    sa.ForeignKeyConstraint(['task_id'], ['human_task.id'],
                            name=op.f('fk_evidence_task_id_human_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    op.create_index('ix_evidence_case_id', 'evidence', ['case_id'], unique=False)
    op.create_index('ix_evidence_uploaded_by', 'evidence', ['uploaded_by'], unique=False)
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('issuer_unit_id', sa.Integer(), nullable=False),
    sa.Column('issued_by', sa.String(length=64), nullable=False),
    sa.Column('issued_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['issuer_unit_id'], ['unit.id'],
                            name=op.f('fk_document_issuer_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document')),
    sa.UniqueConstraint('number', name='uq_document_number')
    )
    op.create_table('document_case',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'],
                            name=op.f('fk_document_case_case_id_process_case')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                            name=op.f('fk_document_case_document_id_document'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', 'case_id', name='pk_document_case')
    )
    op.create_index('ix_document_case_case_id', 'document_case', ['case_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_document_case_case_id', table_name='document_case')
    op.drop_table('document_case')
    op.drop_table('document')
    op.drop_index('ix_evidence_uploaded_by', table_name='evidence')
    op.drop_index('ix_evidence_case_id', table_name='evidence')
    op.drop_table('evidence')
