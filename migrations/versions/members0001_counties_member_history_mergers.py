"""counties, member rename history, mergers, active subregions

Revision ID: members0001
Revises: needs0001
Create Date: 2026-12-02 15:20:00

"""
from alembic import op
import sqlalchemy as sa

import decisions.database


# revision identifiers, used by Alembic.
revision = 'members0001'
down_revision = 'needs0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('counties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counties')),
    sa.UniqueConstraint('name', name=op.f('uq_counties_name'))
    )
    op.create_table('member_names',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('recorded_at', decisions.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_names_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_names'))
    )
    with op.batch_alter_table('member_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_names_member_id'), ['member_id'], unique=False)

    with op.batch_alter_table('subregions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('county_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_index(batch_op.f('ix_members_county_id'), ['county_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_members_county_id_counties'), 'counties', ['county_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_members_merged_into_id_members'), 'members', ['merged_into_id'], ['id'])


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_members_merged_into_id_members'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_members_county_id_counties'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_members_county_id'))
        batch_op.drop_column('lock_version')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('closed_on')
        batch_op.drop_column('county_id')

    with op.batch_alter_table('subregions', schema=None) as batch_op:
        batch_op.drop_column('active')

    with op.batch_alter_table('member_names', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_names_member_id'))
    op.drop_table('member_names')
    op.drop_table('counties')
