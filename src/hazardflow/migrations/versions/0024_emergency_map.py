"""the one map of readiness (应急一张图): emergency teams, supply depots, major hazard sources

Units get a place (WGS-84) and, for medical institutions, a type and grade
(``unit_location``); teams with their members, depots with their items (quantity, expiry,
the last expiry state the keeper was told of) and major hazard sources each belong to a unit.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 06:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.Constraint:
    return sa.ForeignKeyConstraint([column], [f'{target}.id'], ondelete=ondelete,
                                   name=op.f(f'fk_{table}_{column}_{target}'))


def _place() -> list[sa.Column[object]]:
    return [sa.Column('lat', sa.Float(), nullable=False),
            sa.Column('lng', sa.Float(), nullable=False),
            sa.Column('address', sa.String(length=255), server_default='', nullable=False)]


def _stamp() -> list[sa.Column[object]]:
    return [sa.Column('updated_at', UtcDateTime(), nullable=False),
            sa.Column('updated_by', sa.String(length=64), nullable=False)]


def upgrade() -> None:
    op.create_table('unit_location',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    *_place(),
    sa.Column('facility_type', sa.String(length=32), nullable=True),
    sa.Column('grade', sa.String(length=16), nullable=True),
    *_stamp(),
    _fk('unit_location', 'unit_id', 'unit', 'CASCADE'),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_unit_location'))
    )
    op.create_table('emergency_team',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('speciality', sa.String(length=64), nullable=False),
    *_place(),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    *_stamp(),
    _fk('emergency_team', 'unit_id', 'unit'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_team'))
    )
    op.create_index('ix_emergency_team_unit_id', 'emergency_team', ['unit_id'], unique=False)
    op.create_table('emergency_team_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=64), server_default='', nullable=False),
    sa.Column('phone', sa.String(length=32), server_default='', nullable=False),
    _fk('emergency_team_member', 'team_id', 'emergency_team', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_team_member'))
    )
    op.create_index('ix_emergency_team_member_team_id', 'emergency_team_member', ['team_id'],
                    unique=False)
    op.create_table('supply_depot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    *_place(),
    sa.Column('keeper_id', sa.Integer(), nullable=True),
    sa.Column('phone', sa.String(length=32), server_default='', nullable=False),
    *_stamp(),
    _fk('supply_depot', 'unit_id', 'unit'),
    _fk('supply_depot', 'keeper_id', 'app_user'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_depot'))
    )
    op.create_index('ix_supply_depot_unit_id', 'supply_depot', ['unit_id'], unique=False)
    op.create_table('supply_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('depot_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_label', sa.String(length=16), server_default='', nullable=False),
    sa.Column('expires_on', sa.String(length=10), nullable=True),
    sa.Column('notified_state', sa.String(length=16), nullable=True),
    _fk('supply_item', 'depot_id', 'supply_depot', 'CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supply_item'))
    )
    op.create_index('ix_supply_item_depot_id', 'supply_item', ['depot_id'], unique=False)
    op.create_index('ix_supply_item_expires_on', 'supply_item', ['expires_on'], unique=False)
    op.create_table('major_hazard_source',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    *_place(),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    *_stamp(),
    _fk('major_hazard_source', 'unit_id', 'unit'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_major_hazard_source'))
    )
    op.create_index('ix_major_hazard_source_unit_id', 'major_hazard_source', ['unit_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_major_hazard_source_unit_id', table_name='major_hazard_source')
    op.drop_table('major_hazard_source')
    op.drop_index('ix_supply_item_expires_on', table_name='supply_item')
    op.drop_index('ix_supply_item_depot_id', table_name='supply_item')
    op.drop_table('supply_item')
    op.drop_index('ix_supply_depot_unit_id', table_name='supply_depot')
    op.drop_table('supply_depot')
    op.drop_index('ix_emergency_team_member_team_id', table_name='emergency_team_member')
    op.drop_table('emergency_team_member')
    op.drop_index('ix_emergency_team_unit_id', table_name='emergency_team')
    op.drop_table('emergency_team')
    op.drop_table('unit_location')
