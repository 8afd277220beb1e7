"""meeting leader and minute-taker named in the minutes

Revision ID: meetings0001
Revises: 8c2d3e4f5a61
Create Date: 2026-12-02 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'meetings0001'
down_revision = 'auth0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_leader', sa.String(length=200),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('minute_taker', sa.String(length=200),
                                      server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('minute_taker')
        batch_op.drop_column('meeting_leader')
