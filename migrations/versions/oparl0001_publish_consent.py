"""oparl: a user's consent to be published as a Person in the OParl interface

Revision ID: oparl0001
Revises: pubcal0001
Create Date: 2026-12-02 16:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'oparl0001'
down_revision = 'pubcal0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_consent', sa.Boolean(),
                                      server_default=sa.text('false'), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('publish_consent')
