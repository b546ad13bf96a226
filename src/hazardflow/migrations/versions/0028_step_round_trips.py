"""the audit chain's tail (sequence number and hash) kept on the case row, so that a step
appends its audit record without reading the log first

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 07:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table('process_case') as batch:
        batch.add_column(sa.Column('audit_seq', sa.Integer(), server_default='0',
                                   nullable=False))
        batch.add_column(sa.Column('audit_hash', sa.String(length=64), server_default=GENESIS,
                                   nullable=False))
    # every existing case takes its log's last record as its tail
    op.execute(
        "UPDATE process_case SET "
        "audit_seq = (SELECT max(e.seq) FROM audit_event e WHERE e.case_id = process_case.id), "
        "audit_hash = (SELECT e.hash FROM audit_event e WHERE e.case_id = process_case.id "
        "ORDER BY e.seq DESC LIMIT 1) "
        "WHERE EXISTS (SELECT 1 FROM audit_event e WHERE e.case_id = process_case.id)")


def downgrade() -> None:
    with op.batch_alter_table('process_case') as batch:
        batch.drop_column('audit_hash')
        batch.drop_column('audit_seq')
