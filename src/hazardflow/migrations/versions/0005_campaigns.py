"""campaigns, inspections, reports, spot checks, assessment (issue 7)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 18:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hazardflow.engine.schema

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('assessment_rule',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('cap', sa.Float(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_assessment_rule'))
    )
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('starts_on', sa.String(length=10), nullable=False),
    sa.Column('ends_on', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign')),
    sa.UniqueConstraint('code', name=op.f('uq_campaign_code'))
    )
    op.create_table('checklist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('theme', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('created_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist')),
    sa.UniqueConstraint('code', name=op.f('uq_checklist_code'))
    )
    op.create_table('spot_check_draw',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('stratified', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('campaign_code', sa.String(length=64), nullable=True),
    sa.Column('population', sa.Text(), nullable=False),
    sa.Column('drawn_by', sa.String(length=64), nullable=False),
    sa.Column('drawn_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.Column('notice_no', sa.String(length=64), nullable=True),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.Column('published_at', hazardflow.engine.schema.UtcDateTime(), nullable=True),
    sa.Column('published_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check_draw')),
    sa.UniqueConstraint('code', name=op.f('uq_spot_check_draw_code'))
    )
    op.create_table('campaign_theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('checklist_code', sa.String(length=64), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_theme_campaign_id_campaign'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_theme')),
    sa.UniqueConstraint('campaign_id', 'code', name='uq_campaign_theme_code')
    )
    op.create_table('campaign_unit',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_unit_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_campaign_unit_unit_id_unit')),
    sa.PrimaryKeyConstraint('campaign_id', 'unit_id', name='pk_campaign_unit')
    )
    op.create_table('checklist_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.Text(), server_default='', nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('major_trigger', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklist.id'], name=op.f('fk_checklist_item_checklist_id_checklist'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checklist_item')),
    sa.UniqueConstraint('checklist_id', 'position', name='uq_checklist_item_position')
    )
    op.create_table('spot_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('inspector', sa.String(length=64), nullable=True),
    sa.Column('result', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['draw_id'], ['spot_check_draw.id'], name=op.f('fk_spot_check_draw_id_spot_check_draw'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_spot_check_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check')),
    sa.UniqueConstraint('draw_id', 'unit_id', name='uq_spot_check_unit')
    )
    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('campaign_code', sa.String(length=64), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.Integer(), nullable=False),
    sa.Column('inspector', sa.String(length=64), nullable=False),
    sa.Column('inspected_on', sa.String(length=10), nullable=False),
    sa.Column('location', sa.String(length=255), server_default='', nullable=False),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.Column('spot_check_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('visible_to_unit', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('published_at', hazardflow.engine.schema.UtcDateTime(), nullable=True),
    sa.Column('created_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['checklist_id'], ['checklist.id'], name=op.f('fk_inspection_checklist_id_checklist')),
    sa.ForeignKeyConstraint(['spot_check_id'], ['spot_check.id'], name=op.f('fk_inspection_spot_check_id_spot_check')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_inspection_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection')),
    sa.UniqueConstraint('code', name=op.f('uq_inspection_code'))
    )
    op.create_index('ix_inspection_campaign_code', 'inspection', ['campaign_code'], unique=False)
    op.create_index('ix_inspection_unit_id', 'inspection', ['unit_id'], unique=False)
    op.create_table('inspection_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('location', sa.String(length=255), server_default='', nullable=False),
    sa.Column('photos', sa.Text(), server_default='[]', nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('hazard_code', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'], name=op.f('fk_inspection_result_case_id_process_case')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], name=op.f('fk_inspection_result_inspection_id_inspection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['checklist_item.id'], name=op.f('fk_inspection_result_item_id_checklist_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_result')),
    sa.UniqueConstraint('inspection_id', 'item_id', name='uq_inspection_result_item')
    )
    op.create_index('ix_inspection_result_case_id', 'inspection_result', ['case_id'], unique=False)
    op.create_table('unit_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=64), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('campaign_code', sa.String(length=64), nullable=True),
    sa.Column('due_on', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('figures', sa.Text(), server_default='{}', nullable=False),
    sa.Column('narrative', sa.Text(), server_default='', nullable=False),
    sa.Column('opened_at', hazardflow.engine.schema.UtcDateTime(), nullable=False),
    sa.Column('filled_at', hazardflow.engine.schema.UtcDateTime(), nullable=True),
    sa.Column('submitted_at', hazardflow.engine.schema.UtcDateTime(), nullable=True),
    sa.Column('submitted_by', sa.String(length=64), nullable=True),
    sa.Column('signed_by', sa.String(length=64), nullable=True),
    sa.Column('late', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'], name=op.f('fk_unit_report_case_id_process_case')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_unit_report_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_report')),
    sa.UniqueConstraint('case_id', name='uq_unit_report_case_id'),
    sa.UniqueConstraint('kind', 'period', 'unit_id', name='uq_unit_report_period')
    )
    op.create_index('ix_unit_report_kind_period', 'unit_report', ['kind', 'period'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_unit_report_kind_period', table_name='unit_report')
    op.drop_table('unit_report')
    op.drop_index('ix_inspection_result_case_id', table_name='inspection_result')
    op.drop_table('inspection_result')
    op.drop_index('ix_inspection_unit_id', table_name='inspection')
    op.drop_index('ix_inspection_campaign_code', table_name='inspection')
    op.drop_table('inspection')
    op.drop_table('spot_check')
    op.drop_table('checklist_item')
    op.drop_table('campaign_unit')
    op.drop_table('campaign_theme')
    op.drop_table('spot_check_draw')
    op.drop_table('checklist')
    op.drop_table('campaign')
    op.drop_table('assessment_rule')

