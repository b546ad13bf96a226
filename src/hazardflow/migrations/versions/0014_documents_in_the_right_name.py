"""documents in the ordering body's name: form, date of the order, frozen content, verify code
and the issued PDF with its digest; one document per order and per re-check; the legal texts
regulators' documents cite (seeded, 待法制科确认); inspectors' 执法证号

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 13:00:00
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEEDED_BY = "system"


def upgrade() -> None:
    with op.batch_alter_table('document') as batch:
        batch.add_column(sa.Column('form', sa.String(length=24), server_default='directive',
                                   nullable=False))
        batch.add_column(sa.Column('dated_on', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('content', sa.Text(), server_default='{}', nullable=False))
        batch.add_column(sa.Column('verify_code', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('pdf_sha256', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_document_verify_code', ['verify_code'])
    # the documents issued so far were all in the supervising county's name
    op.execute("UPDATE document SET form = 'review' WHERE kind = 'opinion'")
    op.create_table('document_file',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                            name=op.f('fk_document_file_document_id_document'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_document_file'))
    )
    with op.batch_alter_table('document_case') as batch:
        batch.add_column(sa.Column('basis_seq', sa.Integer(), nullable=True))
        batch.create_unique_constraint('uq_document_case_basis', ['case_id', 'basis_seq'])
    op.create_table('enforcement_certificate',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'],
                            name=op.f('fk_enforcement_certificate_user_id_app_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_enforcement_certificate'))
    )
    legal = op.create_table('legal_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('part', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=16), server_default='', nullable=False),
    sa.Column('position', sa.Integer(), server_default='0', nullable=False),
    sa.Column('citation', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('confirmed_by', sa.String(length=64), nullable=True),
    sa.Column('confirmed_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_legal_text_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_text'))
    )
    op.create_index('ix_legal_text_unit_id_part', 'legal_text', ['unit_id', 'part'],
                    unique=False)
    from hazardflow.workflows.legal_texts import SEEDS  # the seeds as they stand at upgrade

    now = datetime.now(UTC)
    op.bulk_insert(legal, [
        {"unit_id": None, "part": part, "level": level, "position": position,
         "citation": citation, "body": body, "active": True, "updated_by": SEEDED_BY,
         "updated_at": now}
        for position, (part, level, citation, body) in enumerate(SEEDS, start=1)])


def downgrade() -> None:
    op.drop_index('ix_legal_text_unit_id_part', table_name='legal_text')
    op.drop_table('legal_text')
    op.drop_table('enforcement_certificate')
    with op.batch_alter_table('document_case') as batch:
        batch.drop_constraint('uq_document_case_basis', type_='unique')
        batch.drop_column('basis_seq')
    op.drop_table('document_file')
    with op.batch_alter_table('document') as batch:
        batch.drop_constraint('uq_document_verify_code', type_='unique')
        for name in ('pdf_sha256', 'verify_code', 'content', 'dated_on', 'form'):
            batch.drop_column(name)
