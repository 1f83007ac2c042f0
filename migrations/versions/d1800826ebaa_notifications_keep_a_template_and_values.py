"""notifications: keep the message's template and values, translated when shown

Rows written before this hold their finished text in `template` and no values, so they read as before.

Revision ID: d1800826ebaa
Revises: 31d2b9a22482
Create Date: 2026-11-25 10:00:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'd1800826ebaa'
down_revision = '31d2b9a22482'
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('message', new_column_name='template', existing_type=sa.String(length=500),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('values', JSON_DOCUMENT, nullable=False, server_default=sa.text("'{}'")))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('values', server_default=None, existing_type=JSON_DOCUMENT, existing_nullable=False)


def downgrade() -> None:
    notifications = sa.table('notifications', sa.column('id', sa.Integer()), sa.column('template', sa.String()),
                             sa.column('values', sa.JSON()))
    connection = op.get_bind()
    # The old column held finished text: fill each template with its values before dropping them.
    for row in connection.execute(sa.select(notifications)).mappings().all():
        if row['values']:
            connection.execute(notifications.update().where(notifications.c.id == row['id'])
                               .values(template=(row['template'] % row['values'])[:500]))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('values')
        batch_op.alter_column('template', new_column_name='message', existing_type=sa.String(length=500),
                              existing_nullable=False)
