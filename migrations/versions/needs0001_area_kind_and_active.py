"""areas: strategy areas (innsatsområder) beside areas of operation, deactivation and a
version for concurrent edits

Revision ID: needs0001
Revises: people0001
Create Date: 2026-12-02 15:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'needs0001'
down_revision = 'people0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('strategy', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), nullable=False,
                                      server_default=sa.text('1')))


def downgrade():
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_column('lock_version')
        batch_op.drop_column('active')
        batch_op.drop_column('strategy')
