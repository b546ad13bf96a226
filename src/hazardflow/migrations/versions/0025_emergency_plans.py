"""emergency plans (应急预案): each unit's plans with their versions, approval and filing
(备案), drills (演练) with the problems found (each may open a hazard case), and the
revision and drill cycle per kind of plan

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 06:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('plan_cycle',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('revision_months', sa.Integer(), nullable=False),
    sa.Column('drill_months', sa.Integer(), nullable=False),
    sa.Column('revise_days', sa.Integer(), nullable=False),
    sa.Column('drill_days', sa.Integer(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_plan_cycle'))
    )
    op.create_table('emergency_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('revision_due_on', sa.Date(), nullable=True),
    sa.Column('drill_due_on', sa.Date(), nullable=True),
    sa.Column('revise_by', sa.Date(), nullable=True),
    sa.Column('revision_reason', sa.Text(), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['process_case.id'],
                            name=op.f('fk_emergency_plan_case_id_process_case')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'],
                            name=op.f('fk_emergency_plan_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_plan')),
    sa.UniqueConstraint('case_id', name=op.f('uq_emergency_plan_case_id'))
    )
    with op.batch_alter_table('emergency_plan', schema=None) as batch_op:
        batch_op.create_index('ix_emergency_plan_unit_id', ['unit_id'], unique=False)
    op.create_table('plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('file_ref', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_by', sa.String(length=64), nullable=False),
    sa.Column('submitted_at', UtcDateTime(), nullable=False),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_at', UtcDateTime(), nullable=True),
    sa.Column('filed_by', sa.String(length=64), nullable=True),
    sa.Column('filed_at', UtcDateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['emergency_plan.id'],
                            name=op.f('fk_plan_version_plan_id_emergency_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_version'))
    )
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.create_index('ix_plan_version_plan_id', ['plan_id'], unique=False)
    op.create_table('plan_drill',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('scenario', sa.Text(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('evaluation', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['emergency_plan.id'],
                            name=op.f('fk_plan_drill_plan_id_emergency_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_drill'))
    )
    with op.batch_alter_table('plan_drill', schema=None) as batch_op:
        batch_op.create_index('ix_plan_drill_plan_id', ['plan_id'], unique=False)
    op.create_table('drill_problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('rectification', sa.Text(), server_default='', nullable=False),
    sa.Column('hazard_case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['drill_id'], ['plan_drill.id'],
                            name=op.f('fk_drill_problem_drill_id_plan_drill')),
    sa.ForeignKeyConstraint(['hazard_case_id'], ['process_case.id'],
                            name=op.f('fk_drill_problem_hazard_case_id_process_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_problem'))
    )
    with op.batch_alter_table('drill_problem', schema=None) as batch_op:
        batch_op.create_index('ix_drill_problem_drill_id', ['drill_id'], unique=False)
        batch_op.create_index('ix_drill_problem_hazard_case_id', ['hazard_case_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('drill_problem', schema=None) as batch_op:
        batch_op.drop_index('ix_drill_problem_hazard_case_id')
        batch_op.drop_index('ix_drill_problem_drill_id')
    op.drop_table('drill_problem')
    with op.batch_alter_table('plan_drill', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_drill_plan_id')
    op.drop_table('plan_drill')
    with op.batch_alter_table('plan_version', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_version_plan_id')
    op.drop_table('plan_version')
    with op.batch_alter_table('emergency_plan', schema=None) as batch_op:
        batch_op.drop_index('ix_emergency_plan_unit_id')
    op.drop_table('emergency_plan')
    op.drop_table('plan_cycle')
