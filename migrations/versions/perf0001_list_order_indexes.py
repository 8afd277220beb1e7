"""perf: indexes in the order of the proposal list and of a user's notifications, so
that their first pages are read without sorting every row

Revision ID: perf0001
Revises: oparl0001
Create Date: 2026-12-02 18:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'perf0001'
down_revision = 'fts0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index('ix_proposals_updated', ['updated_at', 'id'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_newest', ['user_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_newest')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_updated')
