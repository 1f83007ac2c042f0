"""booking rules (opening hours, lead time, slots, price estimates), itemised quotes with a validity, asset
numbers and hand-entered users for the sharing evaluation

Quotes made before lines existed become one line (the listing's title, 1 item at the quoted price), so they
read as before; their validity stays empty (they never expire).

Revision ID: d3c5bf94c814
Revises: 047b0f52e558
Create Date: 2026-12-02 19:35:26.974463
"""
import sqlalchemy as sa
from alembic import op

revision = 'd3c5bf94c814'
down_revision = '047b0f52e558'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('opening_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('opens_minute', sa.SmallInteger(), nullable=True),
    sa.Column('closes_minute', sa.SmallInteger(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.CheckConstraint('(opens_minute IS NULL AND closes_minute IS NULL) OR (opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute)', name=op.f('ck_opening_dates_opens_before_closes')),
    sa.ForeignKeyConstraint(['instrument_id'], ['shared_instruments.id'], name=op.f('fk_opening_dates_instrument_id_shared_instruments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_dates')),
    sa.UniqueConstraint('instrument_id', 'day', name=op.f('uq_opening_dates_instrument_id_day'))
    )
    with op.batch_alter_table('opening_dates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_dates_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('opening_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('opens_minute', sa.SmallInteger(), nullable=True),
    sa.Column('closes_minute', sa.SmallInteger(), nullable=True),
    sa.CheckConstraint('(opens_minute IS NULL AND closes_minute IS NULL) OR (opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute)', name=op.f('ck_opening_hours_opens_before_closes')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_opening_hours_weekday_range')),
    sa.ForeignKeyConstraint(['instrument_id'], ['shared_instruments.id'], name=op.f('fk_opening_hours_instrument_id_shared_instruments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_hours'))
    )
    with op.batch_alter_table('opening_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_hours_instrument_id'), ['instrument_id'], unique=False)

    op.create_table('quote_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('unit_price_cny', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False),
    sa.CheckConstraint('quantity > 0 AND unit_price_cny >= 0', name=op.f('ck_quote_lines_positive_amounts')),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_lines_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_lines'))
    )
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_lines_quote_id'), ['quote_id'], unique=False)

    op.execute("INSERT INTO quote_lines (quote_id, position, item, quantity, unit, unit_price_cny) "
               "SELECT quotes.id, 0, SUBSTR(postings.title, 1, 200), 1, 'item', quotes.price_cny FROM quotes "
               "JOIN inquiries ON inquiries.id = quotes.inquiry_id JOIN postings ON postings.id = inquiries.listing_id")

    # Rows already there get empty text; the server defaults go again, as the models have none.
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fee_item', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('fee_unit', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('estimate_cny', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True))
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.alter_column('fee_item', server_default=None, existing_type=sa.String(length=200),
                              existing_nullable=False)
        batch_op.alter_column('fee_unit', server_default=None, existing_type=sa.String(length=10),
                              existing_nullable=False)

    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))

    with op.batch_alter_table('shared_instruments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asset_number', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('booking_lead_hours', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('slot_minutes', sa.Integer(), nullable=True))

    with op.batch_alter_table('usage_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_name', sa.String(length=200), nullable=False, server_default=''))
    with op.batch_alter_table('usage_records', schema=None) as batch_op:
        batch_op.alter_column('user_name', server_default=None, existing_type=sa.String(length=200),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('usage_records', schema=None) as batch_op:
        batch_op.drop_column('user_name')

    with op.batch_alter_table('shared_instruments', schema=None) as batch_op:
        batch_op.drop_column('slot_minutes')
        batch_op.drop_column('booking_lead_hours')
        batch_op.drop_column('asset_number')

    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_column('valid_until')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('estimate_cny')
        batch_op.drop_column('fee_unit')
        batch_op.drop_column('fee_item')

    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_lines_quote_id'))

    op.drop_table('quote_lines')
    with op.batch_alter_table('opening_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_hours_instrument_id'))

    op.drop_table('opening_hours')
    with op.batch_alter_table('opening_dates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_dates_instrument_id'))

    op.drop_table('opening_dates')
