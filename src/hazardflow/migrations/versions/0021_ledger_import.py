"""ledgers imported from Excel: the import runs and the hazards each brought in

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 06:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'ledger_import',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('filename', sa.String(255), nullable=False),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.String(64), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.Column('finished_at', UtcDateTime()),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('mapping', sa.Text(), nullable=False),
        sa.Column('total_rows', sa.Integer(), nullable=False),
        sa.Column('good_rows', sa.Integer(), nullable=False),
        sa.Column('imported_rows', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text()),
    )
    op.create_index('ix_ledger_import_created_by', 'ledger_import', ['created_by'])
    op.create_index('ix_ledger_import_sha256', 'ledger_import', ['sha256'])
    op.create_table(
        'imported_hazard',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('import_id', sa.Integer(), sa.ForeignKey('ledger_import.id'), nullable=False),
        sa.Column('hazard_id', sa.Integer(), sa.ForeignKey('hazard.id'), nullable=False),
        sa.Column('row_number', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(64)),
        sa.Column('state', sa.String(32), nullable=False),
        sa.UniqueConstraint('hazard_id', name='uq_imported_hazard_hazard_id'),
        sa.UniqueConstraint('import_id', 'row_number', name='uq_imported_hazard_import_row'),
    )


def downgrade() -> None:
    op.drop_table('imported_hazard')
    op.drop_index('ix_ledger_import_sha256', 'ledger_import')
    op.drop_index('ix_ledger_import_created_by', 'ledger_import')
    op.drop_table('ledger_import')
