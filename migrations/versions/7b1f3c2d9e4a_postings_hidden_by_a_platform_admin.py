"""postings: hidden by a platform administrator (out of search, lists and public pages)

Revision ID: 7b1f3c2d9e4a
Revises: fb857a9c53e6
Create Date: 2026-12-02 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '7b1f3c2d9e4a'
down_revision = 'fb857a9c53e6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_postings_hidden_at'), ['hidden_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postings_hidden_at'))
        batch_op.drop_column('hidden_at')
