"""perf: the changes of position indexed by round and id, so that the round page's
newest changes (ORDER BY id DESC LIMIT 25) are read from the index in order; with an
index of the round alone PostgreSQL reads every change of the round and sorts them

Revision ID: perf0004
Revises: perf0003
Create Date: 2026-12-03 06:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'perf0004'
down_revision = 'perf0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('position_changes', schema=None) as batch_op:
        batch_op.create_index('ix_position_changes_round_newest', ['round_id', 'id'],
                              unique=False)
        batch_op.drop_index('ix_position_changes_round_id')


def downgrade():
    with op.batch_alter_table('position_changes', schema=None) as batch_op:
        batch_op.create_index('ix_position_changes_round_id', ['round_id'], unique=False)
        batch_op.drop_index('ix_position_changes_round_newest')
