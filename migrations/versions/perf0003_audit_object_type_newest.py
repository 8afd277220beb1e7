"""perf: the audit trail's index of object types also in the order of the entries, so
that the newest entry of a type (the board's stamp asks for the newest change of a
member's name) is read from the index instead of walking the whole trail backwards
until an entry of that type comes up: 220 ms a board poll at national scale on
PostgreSQL, where every member's entries are old

Revision ID: perf0003
Revises: perf0002
Create Date: 2026-12-03 04:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'perf0003'
down_revision = 'perf0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_object_type_newest', ['object_type', 'id'],
                              unique=False)
        batch_op.drop_index('ix_audit_entries_object_type')


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_object_type', ['object_type'], unique=False)
        batch_op.drop_index('ix_audit_entries_object_type_newest')
