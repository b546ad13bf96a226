"""notices outside the app: channels, preferences, deliveries

People's contact details (mobile, e-mail, 企业微信 user id), their channel choices per kind of
notice, the admin's defaults per role, and one delivery row per (notification, person,
channel) with the log of each attempt.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 06:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hazardflow.engine.schema import UtcDateTime

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _choice(name: str, owner: sa.Column[object], unique: str) -> None:
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), nullable=False),
        owner,
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
        sa.UniqueConstraint(owner.name, 'category', 'channel', name=unique),
    )


def upgrade() -> None:
    op.create_table(
        'user_contact',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('mobile', sa.String(length=32), nullable=True),
        sa.Column('email', sa.String(length=255), nullable=True),
        sa.Column('wecom_userid', sa.String(length=64), nullable=True),
        sa.Column('updated_at', UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE',
                                name=op.f('fk_user_contact_user_id_app_user')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_contact')),
    )
    _choice('notification_preference', sa.Column(
        'user_id', sa.Integer(), sa.ForeignKey(
            'app_user.id', ondelete='CASCADE',
            name=op.f('fk_notification_preference_user_id_app_user')), nullable=False),
        'uq_notification_preference')
    _choice('notification_role_default', sa.Column('role', sa.String(length=64), nullable=False),
            'uq_notification_role_default')
    op.create_table(
        'delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notification_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('urgent', sa.Boolean(), server_default=sa.text('false'), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('next_attempt_at', UtcDateTime(), nullable=False),
        sa.Column('claimed_until', UtcDateTime(), nullable=True),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.Column('sent_at', UtcDateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ondelete='CASCADE',
                                name=op.f('fk_delivery_notification_id_notification')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE',
                                name=op.f('fk_delivery_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
        sa.UniqueConstraint('notification_id', 'user_id', 'channel', name='uq_delivery_once'),
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_status_next_attempt_at',
                              ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_delivery_user_id', ['user_id'], unique=False)
    op.create_table(
        'delivery_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.Integer(), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('at', UtcDateTime(), nullable=False),
        sa.Column('address', sa.String(length=255), server_default='', nullable=False),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ondelete='CASCADE',
                                name=op.f('fk_delivery_attempt_delivery_id_delivery')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_attempt')),
    )
    with op.batch_alter_table('delivery_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_attempt_delivery_id', ['delivery_id'], unique=False)


def downgrade() -> None:
    op.drop_table('delivery_attempt')
    op.drop_table('delivery')
    op.drop_table('notification_role_default')
    op.drop_table('notification_preference')
    op.drop_table('user_contact')
