"""login attempts per account and client, pending logins on the server, second-factor
secrets encrypted at rest

Revision ID: auth0001
Revises: 8c2d3e4f5a61
Create Date: 2026-12-02 11:31:22.317242

"""
from alembic import op
import sqlalchemy as sa

import decisions.database


# revision identifiers, used by Alembic.
revision = 'auth0001'
down_revision = 'text0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_logins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('next_url', sa.String(length=2000), nullable=False),
    sa.Column('created_at', decisions.database.UTCDateTime(), nullable=False),
    sa.Column('used_at', decisions.database.UTCDateTime(), nullable=True),
    sa.Column('totp_secret', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_logins_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_logins')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_pending_logins_token_hash'))
    )
    with op.batch_alter_table('pending_logins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_logins_user_id'), ['user_id'], unique=False)

    # Failures only matter for a quarter of an hour: the table is made anew, keyed by
    # the email typed and the client instead of the user.
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_failures_at'))
    op.drop_table('login_failures')
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.Enum('password', 'code', name='failure_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('at', decisions.database.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_account'), ['account'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_client'), ['client'], unique=False)

    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_setup_secret', sa.String(length=255), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('totp_secret',
               existing_type=sa.VARCHAR(length=64),
               type_=sa.String(length=255),
               existing_nullable=True)
        batch_op.drop_column('locked_until')

    _encrypt_secrets_in_the_clear()


def _encrypt_secrets_in_the_clear():
    """Secrets stored before this revision are encrypted with the app's newest key
    (TOTP_ENCRYPTION_KEYS, or the development key in instance/)."""
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.totp_secret)
                        .where(users.c.totp_secret.is_not(None))).all()
    if not rows:
        return
    from decisions.accounts.totp_keys import encrypt, is_encrypted

    for user_id, secret in rows:
        if not is_encrypted(secret):
            bind.execute(users.update().where(users.c.id == user_id)
                         .values(totp_secret=encrypt(secret)))


def downgrade():
    from decisions.accounts.totp_keys import decrypt, is_encrypted

    users = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String))
    bind = op.get_bind()
    for user_id, secret in bind.execute(sa.select(users.c.id, users.c.totp_secret)
                                        .where(users.c.totp_secret.is_not(None))).all():
        if is_encrypted(secret):
            bind.execute(users.update().where(users.c.id == user_id)
                         .values(totp_secret=decrypt(secret)))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', decisions.database.UTCDateTime(), nullable=True))
        batch_op.alter_column('totp_secret',
               existing_type=sa.String(length=255),
               type_=sa.VARCHAR(length=64),
               existing_nullable=True)

    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_column('totp_setup_secret')

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_client'))
        batch_op.drop_index(batch_op.f('ix_login_failures_at'))
        batch_op.drop_index(batch_op.f('ix_login_failures_account'))
    op.drop_table('login_failures')
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', decisions.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_failures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('pending_logins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_logins_user_id'))

    op.drop_table('pending_logins')
