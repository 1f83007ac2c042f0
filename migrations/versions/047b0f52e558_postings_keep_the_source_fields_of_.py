"""postings keep the columns of imported feeds (uniquip) that have no field of ours, to export them back

Revision ID: 047b0f52e558
Revises: 5023da242754
Create Date: 2026-12-02 18:38:32
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '047b0f52e558'
down_revision = '5023da242754'
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    # The default stays: dropping it would make SQLite copy the postings table, and with foreign keys on,
    # dropping the old copy would cascade to every inquiry, booking and review.
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_fields', JSON_DOCUMENT, nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_column('source_fields')
