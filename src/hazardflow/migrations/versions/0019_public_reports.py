"""public reports (举报投诉): the report with its contact details encrypted and its PIN
hashed, its photos, and links between near-identical reports (疑似重复)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 06:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('public_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=64), nullable=True),
    sa.Column('place', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('reporter_known', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('contact_enc', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('finding', sa.String(length=16), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('finding_note', sa.Text(), nullable=True),
    sa.Column('public_reply', sa.Text(), nullable=True),
    sa.Column('hazard_level', sa.String(length=16), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('hazard_id', sa.Integer(), nullable=True),
    sa.Column('source_hash', sa.String(length=64), server_default='', nullable=False),
    sa.Column('channel', sa.String(length=8), server_default='web', nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.Column('accepted_at', UtcDateTime(), nullable=True),
    sa.Column('closed_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'],
                            name=op.f('fk_public_report_case_id_process_case')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id'],
                            name=op.f('fk_public_report_hazard_id_hazard')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_public_report_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_report')),
    sa.UniqueConstraint('code', name=op.f('uq_public_report_code'))
    )
    op.create_index('ix_public_report_unit_id_created_at', 'public_report',
                    ['unit_id', 'created_at'], unique=False)
    op.create_index('ix_public_report_county_code_status', 'public_report',
                    ['county_code', 'status'], unique=False)
    op.create_index('ix_public_report_case_id', 'public_report', ['case_id'], unique=False)
    op.create_table('public_report_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'],
                            name=op.f('fk_public_report_photo_evidence_id_evidence')),
    sa.ForeignKeyConstraint(['report_id'], ['public_report.id'], ondelete='CASCADE',
                            name=op.f('fk_public_report_photo_report_id_public_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_report_photo')),
    sa.UniqueConstraint('report_id', 'position', name='uq_public_report_photo_position')
    )
    op.create_table('public_report_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['other_id'], ['public_report.id'], ondelete='CASCADE',
                            name=op.f('fk_public_report_link_other_id_public_report')),
    sa.ForeignKeyConstraint(['report_id'], ['public_report.id'], ondelete='CASCADE',
                            name=op.f('fk_public_report_link_report_id_public_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_report_link')),
    sa.UniqueConstraint('report_id', 'other_id', name='uq_public_report_link_pair')
    )
    op.create_index('ix_public_report_link_other_id', 'public_report_link', ['other_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_table('public_report_link')
    op.drop_table('public_report_photo')
    op.drop_table('public_report')
