"""memberships by invitation or approval, per-user session tokens, rate-limit counters, normalised credit codes

Revision ID: c0ca74aebc63
Revises: d1800826ebaa
Create Date: 2026-12-02 17:00:00.000000
"""
import logging
import secrets

import sqlalchemy as sa
from alembic import op
from stdnum.cn import uscc

revision = 'c0ca74aebc63'
down_revision = 'd1800826ebaa'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    op.create_table('rate_limit_counters',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit_counters'))
    )
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_counters_expires_at'), ['expires_at'], unique=False)

    op.create_table('organisation_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_organisation_invitations_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_invitations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['used_by_id'], ['users.id'], name=op.f('fk_organisation_invitations_used_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_invitations')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_organisation_invitations_code_hash'))
    )
    with op.batch_alter_table('organisation_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_invitations_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('join_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'declined', 'cancelled', name='joinrequeststatus', native_enum=False, length=20), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_join_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_join_requests_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_join_requests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_join_requests'))
    )
    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_join_requests_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_join_requests_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_join_requests_pending_user', ['user_id'], unique=True,
                              sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    # A plain ADD COLUMN (no table rebuild: SQLite would have to drop the table other tables refer to).
    op.add_column('users', sa.Column('session_token', sa.String(length=32), server_default='', nullable=False))
    _give_every_user_a_session_token()
    _normalise_credit_codes()


def _give_every_user_a_session_token() -> None:
    """Sessions signed before this revision carry no token, so they end: everyone signs in once more."""
    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16)))


def _normalise_credit_codes() -> None:
    """Codes are stored compact and upper case from now on. Two stored spellings of one code (or the
    all-zero placeholder) cannot both stay: the oldest organisation keeps the code, later ones lose it
    (logged, for an operator to settle), so the existing unique constraint holds throughout."""
    connection = op.get_bind()
    organisations = sa.table('organisations', sa.column('id', sa.Integer), sa.column('name', sa.String),
                             sa.column('credit_code', sa.String))
    rows = connection.execute(sa.select(organisations.c.id, organisations.c.name, organisations.c.credit_code)
                              .where(organisations.c.credit_code.is_not(None))
                              .order_by(organisations.c.id)).all()
    keep: dict[int, str] = {}
    owner_of: dict[str, int] = {}
    drop: list[int] = []
    for organisation_id, name, code in rows:
        compact = uscc.compact(code)
        if not compact or compact == '0' * 18:
            log.warning("organisation %s (%s): credit code %r removed (empty or all zeros)", organisation_id, name, code)
            drop.append(organisation_id)
        elif compact in owner_of:
            log.warning("organisation %s (%s): credit code %r removed, organisation %s has the same code",
                        organisation_id, name, code, owner_of[compact])
            drop.append(organisation_id)
        else:
            owner_of[compact] = organisation_id
            if compact != code:
                keep[organisation_id] = compact
    if drop:
        connection.execute(organisations.update().where(organisations.c.id.in_(drop)).values(credit_code=None))
    for organisation_id, compact in keep.items():
        connection.execute(organisations.update().where(organisations.c.id == organisation_id)
                           .values(credit_code=compact))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')
    with op.batch_alter_table('join_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_join_requests_pending_user')
        batch_op.drop_index(batch_op.f('ix_join_requests_user_id'))
        batch_op.drop_index(batch_op.f('ix_join_requests_organisation_id'))
    op.drop_table('join_requests')
    with op.batch_alter_table('organisation_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_invitations_organisation_id'))
    op.drop_table('organisation_invitations')
    with op.batch_alter_table('rate_limit_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_counters_expires_at'))
    op.drop_table('rate_limit_counters')
