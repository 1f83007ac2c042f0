"""initial schema: organisations, users, postings, search outbox

Revision ID: 561b5023593b
Revises:
Create Date: 2026-11-24 14:45:01.020571
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '561b5023593b'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('university', 'institute', 'vendor', 'enterprise', 'testing_agency', name='organisationkind', native_enum=False, length=20), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_organisations_credit_code')),
    sa.UniqueConstraint('name', name=op.f('uq_organisations_name'))
    )
    op.create_table('search_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('operation', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('available_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_changes'))
    )
    with op.batch_alter_table('search_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_changes_available_at'), ['available_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_changes_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_changes_done_at'), ['done_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_changes_posting_id'), ['posting_id'], unique=False)

    op.create_table('search_dead_letters',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('operation', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('failed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_dead_letters'))
    )
    with op.batch_alter_table('search_dead_letters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_dead_letters_posting_id'), ['posting_id'], unique=False)

    op.create_table('postings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ref', sa.String(length=120), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('category', sa.String(length=200), nullable=True),
    sa.Column('keywords', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_postings_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postings')),
    sa.UniqueConstraint('kind', 'ref', name=op.f('uq_postings_kind_ref'))
    )
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postings_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_postings_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('member', 'org_admin', 'platform_admin', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_users_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('domestic_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=True),
    sa.Column('manufacturer', sa.String(length=120), nullable=True),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('specs', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('price_min_cny', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('price_max_cny', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('replaces', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('certifications', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['id'], ['postings.id'], name=op.f('fk_domestic_products_id_postings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domestic_products'))
    )
    op.create_table('shared_instruments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=True),
    sa.Column('manufacturer', sa.String(length=120), nullable=True),
    sa.Column('origin', sa.String(length=10), nullable=True),
    sa.Column('original_value_cny', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('service_modes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fees', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('certifications', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('capabilities', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('standards', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('booking_rules', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['postings.id'], name=op.f('fk_shared_instruments_id_postings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shared_instruments'))
    )
    op.create_table('technology_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=120), nullable=True),
    sa.Column('patents', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('trl', sa.Integer(), nullable=True),
    sa.Column('transfer_modes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('asking_price_cny', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.ForeignKeyConstraint(['id'], ['postings.id'], name=op.f('fk_technology_transfers_id_postings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technology_transfers'))
    )
    op.create_table('test_needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_type', sa.String(length=200), nullable=True),
    sa.Column('sample_count', sa.Integer(), nullable=True),
    sa.Column('standards', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('budget_cny', sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=True),
    sa.Column('domestic_only', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='needstatus', native_enum=False, length=10), nullable=False),
    sa.ForeignKeyConstraint(['id'], ['postings.id'], name=op.f('fk_test_needs_id_postings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_needs'))
    )



def downgrade() -> None:

    op.drop_table('test_needs')
    op.drop_table('technology_transfers')
    op.drop_table('shared_instruments')
    op.drop_table('domestic_products')
    op.drop_table('users')
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postings_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_postings_kind'))

    op.drop_table('postings')
    with op.batch_alter_table('search_dead_letters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_dead_letters_posting_id'))

    op.drop_table('search_dead_letters')
    with op.batch_alter_table('search_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_changes_posting_id'))
        batch_op.drop_index(batch_op.f('ix_search_changes_done_at'))
        batch_op.drop_index(batch_op.f('ix_search_changes_created_at'))
        batch_op.drop_index(batch_op.f('ix_search_changes_available_at'))

    op.drop_table('search_changes')
    op.drop_table('organisations')

