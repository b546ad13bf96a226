"""a rung of an escalation ladder armed late is recorded as skipped, not sent

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 04:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('escalation_sent') as batch:
        batch.add_column(sa.Column('skipped', sa.Boolean(), server_default=sa.text('false'),
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('escalation_sent') as batch:
        batch.drop_column('skipped')
