"""an administrator's password must be changed by its user

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 19:35:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                   server_default=sa.text('false')))


def downgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('must_change_password')
