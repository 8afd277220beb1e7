"""The search index: one row per searchable text (a proposal, a decision, an agenda
item's case papers, an agenda item's minutes), kept in step by decisions.search.index.

The engines' own indexes sit beside it and are made by the migration (fts0001):
PostgreSQL a stored `tsv` column (to_tsvector 'norwegian', title weighted A) with a GIN
index; SQLite an FTS5 table `search_fts` over the Snowball-stemmed `title_stems` and
`body_stems`, kept in step with this table by triggers.
"""

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from decisions.extensions import db

# The kinds of text, in the order the search page shows them.
KINDS = ("proposal", "item", "minutes", "decision")


class SearchEntry(db.Model):
    __tablename__ = "search_entries"
    __table_args__ = (UniqueConstraint("kind", "object_id"),
                      Index("ix_search_entries_year", "year"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The proposal's, decision's or agenda item's id (an item has two entries: "item"
    # for its case papers, "minutes" for its notes and decision text).
    object_id: Mapped[int]
    year: Mapped[int | None]
    group_id: Mapped[int | None]
    area_id: Mapped[int | None]
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # title and body lowercased: the typed text found literally, also inside a word.
    folded: Mapped[str] = mapped_column(Text, default="")
    # Words stemmed by Snowball's Norwegian stemmer, for SQLite's FTS5 (which has no
    # Norwegian stemmer); empty on PostgreSQL, which stems itself.
    title_stems: Mapped[str] = mapped_column(Text, default="")
    body_stems: Mapped[str] = mapped_column(Text, default="")
