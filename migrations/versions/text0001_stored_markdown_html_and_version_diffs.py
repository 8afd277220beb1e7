"""stored Markdown HTML and version diffs

Markdown is rendered when it is saved and the diff of two versions when the later one
is made; this adds the columns and the table, and fills them for what exists.

Revision ID: text0001
Revises: 8c2d3e4f5a61
Create Date: 2026-12-02 11:40:00

"""
from types import SimpleNamespace

from alembic import op
import sqlalchemy as sa

import decisions.database


# revision identifiers, used by Alembic.
revision = 'text0001'
down_revision = '8c2d3e4f5a61'
branch_labels = None
depends_on = None

MARKDOWN_FIELDS = {
    'proposals': ('background', 'resolution'),
    'proposal_versions': ('background', 'resolution'),
    'decisions': ('resolution',),
    'agenda_items': ('proposed_resolution', 'background', 'notes', 'decision_text'),
}


def upgrade():
    for table, fields in MARKDOWN_FIELDS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for field in fields:
                batch_op.add_column(sa.Column(f'{field}_html', sa.Text(), nullable=False,
                                              server_default=''))

    op.create_table('version_diffs',
    sa.Column('old_version_id', sa.Integer(), nullable=False),
    sa.Column('new_version_id', sa.Integer(), nullable=False),
    sa.Column('title_html', sa.Text(), nullable=False),
    sa.Column('background_html', sa.Text(), nullable=False),
    sa.Column('resolution_html', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['new_version_id'], ['proposal_versions.id'], name=op.f('fk_version_diffs_new_version_id_proposal_versions')),
    sa.ForeignKeyConstraint(['old_version_id'], ['proposal_versions.id'], name=op.f('fk_version_diffs_old_version_id_proposal_versions')),
    sa.PrimaryKeyConstraint('old_version_id', 'new_version_id', name=op.f('pk_version_diffs'))
    )
    with op.batch_alter_table('version_diffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_diffs_new_version_id'), ['new_version_id'], unique=False)

    fill(op.get_bind())


def fill(bind):
    """Render what exists, with the code the app renders with (texts over the caps,
    saved before them, become plain text), and compare every pair of versions."""
    from decisions.markdown import render_or_escape
    from decisions.proposals.diff import compare

    meta = sa.MetaData()
    for name, fields in MARKDOWN_FIELDS.items():
        table = sa.Table(name, meta, autoload_with=bind)
        for row in bind.execute(sa.select(table.c.id, *(table.c[f] for f in fields))).all():
            bind.execute(table.update().where(table.c.id == row.id).values(
                {f'{f}_html': str(render_or_escape(getattr(row, f))) for f in fields}))

    versions = sa.Table('proposal_versions', meta, autoload_with=bind)
    diffs = sa.Table('version_diffs', meta, autoload_with=bind)
    rows = bind.execute(sa.select(versions).order_by(
        versions.c.proposal_id, versions.c.number)).all()
    earlier = []
    for row in rows:
        version = SimpleNamespace(**row._mapping)
        if earlier and earlier[-1].proposal_id != version.proposal_id:
            earlier = []
        for old in earlier:
            bind.execute(diffs.insert().values(old_version_id=old.id,
                                               new_version_id=version.id,
                                               **compare(old, version)))
        earlier.append(version)


def downgrade():
    with op.batch_alter_table('version_diffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_diffs_new_version_id'))

    op.drop_table('version_diffs')
    for table, fields in reversed(MARKDOWN_FIELDS.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for field in reversed(fields):
                batch_op.drop_column(f'{field}_html')
