"""oparl: tombstones of objects gone from the interface; created_at/updated_at on
groups, seats and members (backfilled from their audit entries); a decision's public PDF

Revision ID: oparl0002
Revises: oparl0001
Create Date: 2026-12-02 18:40:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import decisions.database

# revision identifiers, used by Alembic.
revision = 'oparl0002'
down_revision = 'oparl0001'
branch_labels = None
depends_on = None

# What the interface served as these rows' moment before they kept their own.
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
TABLES = ('groups', 'group_memberships', 'members')


def upgrade():
    op.create_table(
        'oparl_tombstones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('created_at', decisions.database.UTCDateTime(), nullable=False),
        sa.Column('deleted_at', decisions.database.UTCDateTime(), nullable=False),
        sa.Column('item_order', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_oparl_tombstones')),
        sa.UniqueConstraint('kind', 'object_id',
                            name=op.f('uq_oparl_tombstones_kind_object_id')),
    )
    with op.batch_alter_table('oparl_tombstones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oparl_tombstones_deleted_at'), ['deleted_at'],
                              unique=False)

    op.create_table(
        'decision_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('storage_key', sa.String(length=80), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_at', decisions.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                                name=op.f('fk_decision_documents_decision_id_decisions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_documents')),
        sa.UniqueConstraint('decision_id', name=op.f('uq_decision_documents_decision_id')),
        sa.UniqueConstraint('storage_key', name=op.f('uq_decision_documents_storage_key')),
    )

    since = sa.bindparam('since', SINCE, type_=decisions.database.UTCDateTime())
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('created_at', decisions.database.UTCDateTime(),
                                          nullable=True))
            batch_op.add_column(sa.Column('updated_at', decisions.database.UTCDateTime(),
                                          nullable=True))
        # The first and the last audited act on the row, else the interface's beginning.
        rows = sa.table(table, sa.column('id'),
                        sa.column('created_at', decisions.database.UTCDateTime()),
                        sa.column('updated_at', decisions.database.UTCDateTime()))
        audit = sa.table('audit_entries', sa.column('at', decisions.database.UTCDateTime()),
                         sa.column('object_type'), sa.column('object_id'))

        def audited(which, rows=rows, audit=audit, table=table):
            return (sa.select(which(audit.c.at))
                    .where(audit.c.object_type == table, audit.c.object_id == rows.c.id)
                    .scalar_subquery())

        op.execute(rows.update().values(
            created_at=sa.func.coalesce(audited(sa.func.min), since),
            updated_at=sa.func.coalesce(audited(sa.func.max), since)))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('created_at', existing_type=decisions.database.UTCDateTime(),
                                  nullable=False)
            batch_op.alter_column('updated_at', existing_type=decisions.database.UTCDateTime(),
                                  nullable=False)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('updated_at')
            batch_op.drop_column('created_at')
    with op.batch_alter_table('oparl_tombstones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oparl_tombstones_deleted_at'))
    op.drop_table('oparl_tombstones')
    op.drop_table('decision_documents')
