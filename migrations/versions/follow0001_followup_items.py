"""follow-up items of decisions and actions, their updates, a decision's review date,
and the follow-up reminder among the notification kinds

Revision ID: follow0001
Revises: seats0001
Create Date: 2026-12-02 16:20:00

"""
import sqlalchemy as sa
import decisions.database
from alembic import op

# revision identifiers, used by Alembic.
revision = 'follow0001'
down_revision = 'seats0001'
branch_labels = None
depends_on = None

OLD_KINDS = ('round_opened', 'reminder', 'objection', 'objection_answered', 'round_closed',
             'notice', 'minutes_approved', 'minutes_ready')
NEW_KINDS = (*OLD_KINDS, 'followup_due')
KIND_COLUMNS = (('notifications', 'notification_kind'),
                ('notification_preferences', 'preference_kind'))
STATUSES = ('planned', 'in_progress', 'done', 'dropped')


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _kinds(old, new):
    """The kinds' CHECK constraints: SQLite rebuilds the table (batch), PostgreSQL
    replaces the constraint."""
    for table, name in KIND_COLUMNS:
        if op.get_bind().dialect.name == 'sqlite':
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.alter_column('kind', existing_type=_enum(old, name),
                                      type_=_enum(new, name), existing_nullable=False)
        else:
            op.drop_constraint(op.f(f'ck_{table}_{name}'), table, type_='check')
            listed = ", ".join(f"'{value}'" for value in new)
            op.create_check_constraint(op.f(f'ck_{table}_{name}'), table, f'kind IN ({listed})')


def upgrade():
    op.create_table(
        'followup_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=True),
        sa.Column('action_id', sa.Integer(), nullable=True),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('owner_kind', _enum(('member', 'group', 'secretariat'), 'followup_owner'),
                  nullable=False),
        sa.Column('owner_member_id', sa.Integer(), nullable=True),
        sa.Column('owner_group_id', sa.Integer(), nullable=True),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('status', _enum(STATUSES, 'followup_status'), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('weight', sa.Integer(), nullable=False),
        sa.Column('created_at', decisions.database.UTCDateTime(), nullable=False),
        sa.Column('reminded_before_at', decisions.database.UTCDateTime(), nullable=True),
        sa.Column('reminded_on_at', decisions.database.UTCDateTime(), nullable=True),
        sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False),
        sa.CheckConstraint('progress >= 0 AND progress <= 100',
                           name=op.f('ck_followup_items_followup_progress')),
        sa.CheckConstraint('weight > 0', name=op.f('ck_followup_items_followup_weight')),
        sa.CheckConstraint('(decision_id IS NULL) <> (action_id IS NULL)',
                           name=op.f('ck_followup_items_followup_of_one')),
        sa.ForeignKeyConstraint(['action_id'], ['action_items.id'],
                                name=op.f('fk_followup_items_action_id_action_items')),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                                name=op.f('fk_followup_items_decision_id_decisions')),
        sa.ForeignKeyConstraint(['owner_group_id'], ['groups.id'],
                                name=op.f('fk_followup_items_owner_group_id_groups')),
        sa.ForeignKeyConstraint(['owner_member_id'], ['members.id'],
                                name=op.f('fk_followup_items_owner_member_id_members')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_items')),
    )
    with op.batch_alter_table('followup_items', schema=None) as batch_op:
        for column in ('action_id', 'decision_id', 'due', 'owner_group_id',
                       'owner_member_id'):
            batch_op.create_index(batch_op.f(f'ix_followup_items_{column}'), [column],
                                  unique=False)
    op.create_table(
        'followup_updates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('at', decisions.database.UTCDateTime(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('status', _enum(STATUSES, 'followup_update_status'), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'],
                                name=op.f('fk_followup_updates_author_id_users')),
        sa.ForeignKeyConstraint(['item_id'], ['followup_items.id'],
                                name=op.f('fk_followup_updates_item_id_followup_items')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_updates')),
    )
    with op.batch_alter_table('followup_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_updates_item_id'), ['item_id'],
                              unique=False)
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_date', sa.Date(), nullable=True))
    _kinds(OLD_KINDS, NEW_KINDS)


def downgrade():
    _kinds(NEW_KINDS, OLD_KINDS)
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('review_date')
    op.drop_table('followup_updates')
    op.drop_table('followup_items')
