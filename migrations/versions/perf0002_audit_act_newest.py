"""perf: the audit trail's index of acts also in the order of the entries, so that the
list filtered by a rare act reads its newest page from the index instead of walking
the whole trail backwards (PostgreSQL; SQLite's index already held the row order)

Revision ID: perf0002
Revises: perf0001
Create Date: 2026-12-03 03:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'perf0002'
down_revision = 'perf0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_act_newest', ['act', 'id'], unique=False)
        batch_op.drop_index('ix_audit_entries_act')


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_act', ['act'], unique=False)
        batch_op.drop_index('ix_audit_entries_act_newest')
