"""postings: an archived state, an index on updated_at (the feed asks for changes since a time), and
what is left of deleted postings (the feed's tombstones)

Revision ID: 1e74a39386ad
Revises: c0ca74aebc63
Create Date: 2026-12-02 17:59:50
"""
import sqlalchemy as sa
from alembic import op

revision = '1e74a39386ad'
down_revision = 'c0ca74aebc63'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'deleted_postings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('posting_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('ref', sa.String(length=120), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_deleted_postings_organisation_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deleted_postings')),
    )
    with op.batch_alter_table('deleted_postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deleted_postings_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deleted_postings_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_postings_archived_at'), ['archived_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_postings_updated_at'), ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postings_updated_at'))
        batch_op.drop_index(batch_op.f('ix_postings_archived_at'))
        batch_op.drop_column('archived_at')
    with op.batch_alter_table('deleted_postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deleted_postings_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_deleted_postings_deleted_at'))
    op.drop_table('deleted_postings')
