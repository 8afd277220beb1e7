"""seats for people outside Samråd (email), lock versions of groups and seats, minutes
marked ready for the chair, and outbound emails to an address without a user

Revision ID: seats0001
Revises: members0001
Create Date: 2026-12-02 15:20:00

"""
import sqlalchemy as sa
import decisions.database
from alembic import op

# revision identifiers, used by Alembic.
revision = 'seats0001'
down_revision = 'members0001'
branch_labels = None
depends_on = None

OLD_KINDS = ('round_opened', 'reminder', 'objection', 'objection_answered', 'round_closed',
             'notice', 'minutes_approved')
NEW_KINDS = (*OLD_KINDS, 'minutes_ready')
KIND_COLUMNS = (('notifications', 'notification_kind'),
                ('notification_preferences', 'preference_kind'))


def _kind(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _kinds(old, new):
    """The kinds' CHECK constraints: SQLite rebuilds the table (batch), PostgreSQL
    replaces the constraint."""
    for table, name in KIND_COLUMNS:
        if op.get_bind().dialect.name == 'sqlite':
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.alter_column('kind', existing_type=_kind(old, name),
                                      type_=_kind(new, name), existing_nullable=False)
        else:
            op.drop_constraint(op.f(f'ck_{table}_{name}'), table, type_='check')
            listed = ", ".join(f"'{value}'" for value in new)
            op.create_check_constraint(op.f(f'ck_{table}_{name}'), table, f'kind IN ({listed})')


def upgrade():
    with op.batch_alter_table('group_memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1',
                                      nullable=False))
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1',
                                      nullable=False))
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minutes_ready_at', decisions.database.UTCDateTime(), nullable=True))
    with op.batch_alter_table('outbound_emails', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)
    _kinds(OLD_KINDS, NEW_KINDS)


def downgrade():
    _kinds(NEW_KINDS, OLD_KINDS)
    with op.batch_alter_table('outbound_emails', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('minutes_ready_at')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('lock_version')
    with op.batch_alter_table('group_memberships', schema=None) as batch_op:
        batch_op.drop_column('lock_version')
        batch_op.drop_column('email')
