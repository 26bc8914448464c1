"""clerk's day: e-mail and forced password change, draft-panel versions, notifications, first-run set-up

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-15 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'interview_draft_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('interview_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('content', JSONType, nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_interview_draft_version_author_id_app_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_interview_draft_version_interview_id_interview'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_draft_version')),
        sa.UniqueConstraint('interview_id', 'version', name='uq_interview_draft_version_interview_version'),
    )
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('profile_id', sa.Integer(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_notification_actor_id_app_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['profile_id'], ['process_profile.id'], name=op.f('fk_notification_profile_id_process_profile'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_notification_user_id_app_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    )
    op.create_index('ix_notification_user_read', 'notification', ['user_id', 'read_at'], unique=False)
    op.create_table(
        'instance_setup',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_instance_setup')),
    )


def downgrade() -> None:
    op.drop_table('instance_setup')
    op.drop_index('ix_notification_user_read', table_name='notification')
    op.drop_table('notification')
    op.drop_table('interview_draft_version')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('email')
