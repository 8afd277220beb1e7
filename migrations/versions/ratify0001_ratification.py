"""ratification: a decision's requirement of each member's own adoption, the members'
handlings, report-back agenda items, and the ratification reminder's notification kind

Revision ID: ratify0001
Revises: follow0001
Create Date: 2026-12-02 16:04:26

"""
from alembic import op
import sqlalchemy as sa

import decisions.database


# revision identifiers, used by Alembic.
revision = 'ratify0001'
down_revision = 'follow0001'
branch_labels = None
depends_on = None

OLD_KINDS = ('round_opened', 'reminder', 'objection', 'objection_answered', 'round_closed',
             'notice', 'minutes_approved', 'minutes_ready', 'followup_due')
NEW_KINDS = (*OLD_KINDS, 'ratification')
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
    op.create_table('ratification_requirements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Enum('council', 'executive', 'other', name='ratification_body', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('body_other', sa.String(length=200), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('in_force', sa.Enum('all', 'count', name='ratification_in_force', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('required_count', sa.Integer(), nullable=True),
    sa.Column('remind_days', sa.Integer(), server_default=sa.text('14'), nullable=False),
    sa.Column('reminded_before_at', decisions.database.UTCDateTime(), nullable=True),
    sa.Column('reminded_after_at', decisions.database.UTCDateTime(), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('set_at', decisions.database.UTCDateTime(), nullable=False),
    sa.Column('lock_version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_ratification_requirements_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_ratification_requirements_set_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratification_requirements')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_ratification_requirements_proposal_id'))
    )
    with op.batch_alter_table('ratification_requirements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratification_requirements_deadline'), ['deadline'], unique=False)

    op.create_table('report_back_items',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_items.id'], name=op.f('fk_report_back_items_item_id_agenda_items')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_report_back_items'))
    )
    op.create_table('ratifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Enum('council', 'executive', 'other', name='local_body', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('case_number', sa.String(length=60), nullable=False),
    sa.Column('record_url', sa.String(length=500), nullable=False),
    sa.Column('outcome', sa.Enum('adopted', 'adopted_changed', 'rejected', 'not_handled', name='local_outcome', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('change_text', sa.Text(), nullable=False),
    sa.Column('pdf_key', sa.String(length=80), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('pdf_filename', sa.String(length=200), nullable=False),
    sa.Column('pdf_size', sa.Integer(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('registered_at', decisions.database.UTCDateTime(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_ratifications_decision_id_decisions')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_ratifications_member_id_members')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_ratifications_registered_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratifications')),
    sa.UniqueConstraint('decision_id', 'member_id', name=op.f('uq_ratifications_decision_id_member_id')),
    sa.UniqueConstraint('pdf_key', name=op.f('uq_ratifications_pdf_key'))
    )
    with op.batch_alter_table('ratifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratifications_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratifications_member_id'), ['member_id'], unique=False)
    _kinds(OLD_KINDS, NEW_KINDS)



def downgrade():
    _kinds(NEW_KINDS, OLD_KINDS)
    with op.batch_alter_table('ratifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratifications_member_id'))
        batch_op.drop_index(batch_op.f('ix_ratifications_decision_id'))

    op.drop_table('ratifications')
    op.drop_table('report_back_items')
    with op.batch_alter_table('ratification_requirements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratification_requirements_deadline'))

    op.drop_table('ratification_requirements')
