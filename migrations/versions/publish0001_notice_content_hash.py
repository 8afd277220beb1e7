"""a notice's content hash, so that publishing unchanged content issues no revision

Revision ID: publish0001
Revises: 8c2d3e4f5a61
Create Date: 2026-12-02 11:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'publish0001'
down_revision = 'proposals0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_sha256', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('meeting_documents', schema=None) as batch_op:
        batch_op.drop_column('content_sha256')
