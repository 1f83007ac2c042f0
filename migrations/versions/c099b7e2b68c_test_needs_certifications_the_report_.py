"""test needs: certifications the report must carry

Existing needs get an empty list.

Revision ID: c099b7e2b68c
Revises: d3c5bf94c814
Create Date: 2026-12-02 21:48:21
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'c099b7e2b68c'
down_revision = 'd3c5bf94c814'
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('test_needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certifications', JSON_DOCUMENT, nullable=False,
                                      server_default=sa.text("'[]'")))
    with op.batch_alter_table('test_needs', schema=None) as batch_op:
        batch_op.alter_column('certifications', server_default=None, existing_type=JSON_DOCUMENT,
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('test_needs', schema=None) as batch_op:
        batch_op.drop_column('certifications')
