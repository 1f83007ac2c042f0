"""sent alerts: each listing announced once per need or saved search

Revision ID: fb857a9c53e6
Revises: c099b7e2b68c
Create Date: 2026-12-02 22:02:28
"""
import sqlalchemy as sa
from alembic import op

revision = 'fb857a9c53e6'
down_revision = 'c099b7e2b68c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sent_alerts',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('key', sa.String(length=100), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_alerts')),
                    sa.UniqueConstraint('key', name=op.f('uq_sent_alerts_key')))


def downgrade() -> None:
    op.drop_table('sent_alerts')
