"""shared search index state

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('search_index_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('collection', sa.String(length=200), nullable=False),
    sa.Column('building_generation', sa.Integer(), nullable=True),
    sa.Column('building_collection', sa.String(length=200), nullable=True),
    sa.Column('previous_generation', sa.Integer(), nullable=True),
    sa.Column('previous_collection', sa.String(length=200), nullable=True),
    sa.Column('embedder', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_index_state'))
    )
    op.create_table('search_document',
    sa.Column('generation', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('profile_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('meta', JSONType, nullable=False),
    sa.Column('fields', JSONType, nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('generation', 'profile_id', name=op.f('pk_search_document'))
    )
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.create_index('ix_search_document_generation_version', ['generation', 'version'], unique=False)
    op.create_table('search_vocabulary',
    sa.Column('generation', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('word', sa.String(length=200), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('generation', 'word', name=op.f('pk_search_vocabulary'))
    )
    with op.batch_alter_table('search_vocabulary', schema=None) as batch_op:
        batch_op.create_index('ix_search_vocabulary_generation_version', ['generation', 'version'], unique=False)
    op.create_table('search_worker',
    sa.Column('worker', sa.String(length=200), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=True),
    sa.Column('version', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('worker', name=op.f('pk_search_worker'))
    )


def downgrade() -> None:
    op.drop_table('search_worker')
    with op.batch_alter_table('search_vocabulary', schema=None) as batch_op:
        batch_op.drop_index('ix_search_vocabulary_generation_version')
    op.drop_table('search_vocabulary')
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_index('ix_search_document_generation_version')
    op.drop_table('search_document')
    op.drop_table('search_index_state')
