"""the reporting chain and a fair assessment: where a report goes, backfilled reports and the
principal's signing time (report_route); the body an inspection was made in the name of
(inspection_body); the hazards a 回头看 found again (inspection_repeat)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 14:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('report_route',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('reports_to', sa.String(length=64), nullable=False),
    sa.Column('backfill', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('signed_at', UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['report_id'], ['unit_report.id'], ondelete='CASCADE',
                            name=op.f('fk_report_route_report_id_unit_report')),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_report_route'))
    )
    op.create_index('ix_report_route_reports_to', 'report_route', ['reports_to'], unique=False)
    # the reports made before went to the unit's supervising body (its county; the city's
    # for a 市直 unit)
    op.execute("INSERT INTO report_route (report_id, reports_to, backfill) "
               "SELECT unit_report.id, unit.county_code, false FROM unit_report "
               "JOIN unit ON unit.id = unit_report.unit_id WHERE unit.county_code IS NOT NULL")
    op.create_table('inspection_body',
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('body_code', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], ondelete='CASCADE',
                            name=op.f('fk_inspection_body_inspection_id_inspection')),
    sa.PrimaryKeyConstraint('inspection_id', name=op.f('pk_inspection_body'))
    )
    op.create_index('ix_inspection_body_body_code', 'inspection_body', ['body_code'],
                    unique=False)
    op.create_table('inspection_repeat',
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('repeat_of', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], ondelete='CASCADE',
                            name=op.f('fk_inspection_repeat_inspection_id_inspection')),
    sa.PrimaryKeyConstraint('inspection_id', 'item_id', name='pk_inspection_repeat')
    )


def downgrade() -> None:
    op.drop_table('inspection_repeat')
    op.drop_index('ix_inspection_body_body_code', table_name='inspection_body')
    op.drop_table('inspection_body')
    op.drop_index('ix_report_route_reports_to', table_name='report_route')
    op.drop_table('report_route')
