"""public meetings: a group's setting that its meetings are public (the public calendar),
and the public (redacted) notice and minutes among the meeting documents

Revision ID: pubcal0001
Revises: ratify0001
Create Date: 2026-12-02 16:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'pubcal0001'
down_revision = 'ratify0001'
branch_labels = None
depends_on = None

OLD_KINDS = ('notice', 'pack', 'minutes')
NEW_KINDS = (*OLD_KINDS, 'public_notice', 'public_minutes')


def _kind(values):
    return sa.Enum(*values, name='document_kind', native_enum=False, create_constraint=True,
                   length=20)


def _kinds(old, new):
    """The kinds' CHECK constraint: SQLite rebuilds the table (batch), PostgreSQL
    replaces the constraint."""
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('meeting_documents', schema=None) as batch_op:
            batch_op.alter_column('kind', existing_type=_kind(old), type_=_kind(new),
                                  existing_nullable=False)
    else:
        op.drop_constraint(op.f('ck_meeting_documents_document_kind'), 'meeting_documents',
                           type_='check')
        listed = ", ".join(f"'{value}'" for value in new)
        op.create_check_constraint(op.f('ck_meeting_documents_document_kind'),
                                   'meeting_documents', f'kind IN ({listed})')


def upgrade():
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_meetings', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    _kinds(OLD_KINDS, NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM meeting_documents WHERE kind IN ('public_notice', 'public_minutes')")
    _kinds(NEW_KINDS, OLD_KINDS)
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('public_meetings')
