"""invitations by email, and a member's main representative

Revision ID: people0001
Revises: publish0001
Create Date: 2026-12-02 15:20:00

"""
from alembic import op
import sqlalchemy as sa

import decisions.database


# revision identifiers, used by Alembic.
revision = 'people0001'
down_revision = 'publish0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', decisions.database.UTCDateTime(), nullable=False),
    sa.Column('expires_at', decisions.database.UTCDateTime(), nullable=False),
    sa.Column('used_at', decisions.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invitations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_main_representative', sa.Boolean(),
                                      server_default=sa.text('false'), nullable=False))
    op.create_index('uq_users_main_representative', 'users', ['member_id'], unique=True,
                    sqlite_where=sa.text('is_main_representative'),
                    postgresql_where=sa.text('is_main_representative'))


def downgrade():
    op.drop_index('uq_users_main_representative', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_main_representative')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_user_id'))
    op.drop_table('invitations')
