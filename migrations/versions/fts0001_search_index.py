"""fts: the search index (search_entries) with the engines' own full-text indexes,
backfilled from the proposals, decisions, agenda items and minutes already there

PostgreSQL: a stored tsvector column (the 'norwegian' configuration, the title weighted
A) with a GIN index. SQLite: an FTS5 table over the Snowball-stemmed words, kept in step
with search_entries by triggers.

Revision ID: fts0001
Revises: oparl0001
Create Date: 2026-12-02 18:40:00

"""
import sqlalchemy as sa
from alembic import op

from decisions.search.index import rebuild

# revision identifiers, used by Alembic.
revision = 'fts0001'
down_revision = 'oparl0002'
branch_labels = None
depends_on = None

SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_stems, body_stems, "
    "content='search_entries', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, title_stems, body_stems) "
    "VALUES (new.id, new.title_stems, new.body_stems); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_stems, body_stems) "
    "VALUES ('delete', old.id, old.title_stems, old.body_stems); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_stems, body_stems) "
    "VALUES ('delete', old.id, old.title_stems, old.body_stems); "
    "INSERT INTO search_fts(rowid, title_stems, body_stems) "
    "VALUES (new.id, new.title_stems, new.body_stems); END",
]
POSTGRESQL = [
    "ALTER TABLE search_entries ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('norwegian', title), 'A') || "
    "setweight(to_tsvector('norwegian', body), 'B')) STORED",
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)",
]


def upgrade():
    op.create_table(
        'search_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('object_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('area_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('folded', sa.Text(), nullable=False),
        sa.Column('title_stems', sa.Text(), nullable=False),
        sa.Column('body_stems', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries')),
        sa.UniqueConstraint('kind', 'object_id', name=op.f('uq_search_entries_kind_object_id')),
    )
    op.create_index('ix_search_entries_year', 'search_entries', ['year'], unique=False)
    bind = op.get_bind()
    for statement in SQLITE if bind.dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)
    rebuild(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("search_entries_ai", "search_entries_ad", "search_entries_au"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE search_fts")
    op.drop_index('ix_search_entries_year', table_name='search_entries')
    op.drop_table('search_entries')
