"""policy: usage records for sharing reports, subsidy policies

Revision ID: 31d2b9a22482
Revises: 6d51aa3bd085
Create Date: 2026-11-24 15:06:24.038839
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '31d2b9a22482'
down_revision = '6d51aa3bd085'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('subsidy_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('rate', sa.Float(), nullable=False),
    sa.Column('cap_cny', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('eligible_organisation_kinds', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('listing_kinds', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('rate > 0 AND rate <= 1', name=op.f('ck_subsidy_policies_rate_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subsidy_policies'))
    )
    op.create_table('usage_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('used_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('samples', sa.Integer(), nullable=False),
    sa.Column('external', sa.Boolean(), nullable=False),
    sa.Column('user_organisation_id', sa.Integer(), nullable=True),
    sa.Column('income_cny', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('hours >= 0 AND samples >= 0 AND income_cny >= 0', name=op.f('ck_usage_records_not_negative')),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_usage_records_booking_id_bookings')),
    sa.ForeignKeyConstraint(['instrument_id'], ['shared_instruments.id'], name=op.f('fk_usage_records_instrument_id_shared_instruments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_usage_records_order_id_orders')),
    sa.ForeignKeyConstraint(['user_organisation_id'], ['organisations.id'], name=op.f('fk_usage_records_user_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage_records')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_usage_records_booking_id')),
    sa.UniqueConstraint('order_id', name=op.f('uq_usage_records_order_id'))
    )
    with op.batch_alter_table('usage_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_usage_records_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_usage_records_used_on'), ['used_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('usage_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_usage_records_used_on'))
        batch_op.drop_index(batch_op.f('ix_usage_records_instrument_id'))

    op.drop_table('usage_records')
    op.drop_table('subsidy_policies')
