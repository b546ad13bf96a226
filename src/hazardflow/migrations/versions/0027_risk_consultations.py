"""risk analysis and consultations (专题会商): the sessions with their frozen figures, and
their follow-up actions, each following its consultation_action case

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 06:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='held', nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_at', UtcDateTime(), nullable=False),
    sa.Column('place', sa.String(length=200), server_default='', nullable=False),
    sa.Column('topics', sa.Text(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('decisions', sa.Text(), server_default='', nullable=False),
    sa.Column('figures', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['unit.id'], name=op.f('fk_consultation_body_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation'))
    )
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.create_index('ix_consultation_body_id', ['body_id'], unique=False)
    op.create_table('consultation_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('done_by', sa.String(length=64), nullable=True),
    sa.Column('done_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'],
                            name=op.f('fk_consultation_action_case_id_process_case')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'],
                            name=op.f('fk_consultation_action_consultation_id_consultation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_action')),
    sa.UniqueConstraint('case_id', name=op.f('uq_consultation_action_case_id'))
    )
    with op.batch_alter_table('consultation_action', schema=None) as batch_op:
        batch_op.create_index('ix_consultation_action_consultation_id', ['consultation_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('consultation_action', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_action_consultation_id')
    op.drop_table('consultation_action')
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_body_id')
    op.drop_table('consultation')
