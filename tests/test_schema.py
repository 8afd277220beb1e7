"""The schema comes from the migrations alone, and they agree with the models."""

import re
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, inspect

from decisions.extensions import db

PACKAGE = Path(__file__).resolve().parent.parent / "decisions"


# The search engines' own indexes, made by the migration fts0001 beside the model
# search_entries: SQLite's FTS5 table (and its shadow tables), PostgreSQL's tsvector.
ENGINE_TABLES = ("search_fts", "search_fts_data", "search_fts_idx", "search_fts_docsize",
                 "search_fts_config")


def _not_the_engines(difference) -> bool:
    if difference[0] == "remove_table":
        return difference[1].name not in ENGINE_TABLES
    if difference[0] == "remove_column":
        return (difference[2], difference[3].name) != ("search_entries", "tsv")
    if difference[0] == "remove_index":
        return difference[1].name != "ix_search_entries_tsv"
    return True


def test_migrated_database_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)

    assert [d for d in differences if _not_the_engines(d)] == []


def test_the_comparison_notices_a_column_the_migrations_lack(app):
    metadata = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(metadata)
    metadata.tables["members"].append_column(Column("nickname", String(40)))
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)

    assert [(d[0], d[2], d[3].name) for d in differences if _not_the_engines(d)] == [
        ("add_column", "members", "nickname")]


def test_migrations_made_every_model_table(app):
    tables = set(inspect(db.engine).get_table_names())

    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_no_code_in_the_package_creates_tables_itself():
    pattern = re.compile(r"\bcreate_all\s*\(")
    offenders = [str(path.relative_to(PACKAGE.parent)) for path in PACKAGE.rglob("*.py")
                 if pattern.search(path.read_text(encoding="utf-8"))]

    assert offenders == []


def test_the_trail_filtered_by_an_act_is_read_newest_first_from_one_index(app):
    """The audit list filtered by an act reads its page from the index of (act, id)
    backwards, on both databases; the same index gives the filter's choices."""
    from sqlalchemy import text

    from decisions.audit import queries
    from decisions.audit.models import AuditEntry

    indexes = {index["name"]: index["column_names"]
               for index in inspect(db.engine).get_indexes("audit_entries")}
    assert indexes["ix_audit_entries_act_newest"] == ["act", "id"]
    assert "ix_audit_entries_act" not in indexes  # the (act, id) index serves its reads
    page = (queries.entries(act="decision.recorded").order_by(None)
            .order_by(AuditEntry.id.desc()).limit(51))
    sql = str(page.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))
            plan = " ".join(connection.execute(text(f"EXPLAIN {sql}")).scalars())
            assert "Index Scan Backward using ix_audit_entries_act_newest" in plan, plan
        else:
            plan = " ".join(row[-1] for row in connection.execute(
                text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "ix_audit_entries_act_newest (act=?)" in plan, plan
        assert "SORT" not in plan.upper() and "B-TREE" not in plan.upper(), plan


def test_the_boards_newest_name_changes_are_each_read_from_an_index_of_the_trail(app):
    """The board's stamp asks for the newest audit entry of each kind of name change
    (NAMES_SHOWN): each is read from an index that ends in the entry's id, never by
    walking the trail backwards until one comes up (0.2 s a poll at national scale on
    PostgreSQL with an index of the object type alone)."""
    from sqlalchemy import func, select, text

    from decisions.audit.models import AuditEntry
    from decisions.proposals.queries import NAMES_SHOWN

    indexes = {index["name"]: index["column_names"]
               for index in inspect(db.engine).get_indexes("audit_entries")}
    assert indexes["ix_audit_entries_object_type_newest"] == ["object_type", "id"]
    assert "ix_audit_entries_object_type" not in indexes
    with db.engine.connect() as connection:
        for shown in NAMES_SHOWN:
            newest = select(func.max(AuditEntry.id)).where(shown)
            sql = str(newest.compile(db.engine, compile_kwargs={"literal_binds": True}))
            if db.engine.dialect.name == "postgresql":
                connection.execute(text("SET enable_seqscan = off"))
                plan = " ".join(connection.execute(text(f"EXPLAIN {sql}")).scalars())
                assert "Index Only Scan" in plan, plan
                assert "pk_audit_entries" not in plan, plan
            else:
                plan = " ".join(row[-1] for row in connection.execute(
                    text(f"EXPLAIN QUERY PLAN {sql}")))
                assert "COVERING INDEX ix_audit_entries_" in plan, plan
            assert "_newest" in plan, plan


def test_a_rounds_newest_changes_of_position_are_read_in_order_from_an_index(app):
    """The round page shows a round's newest changes (ORDER BY id DESC LIMIT): they are
    read from an index of (round_id, id) in its order, with no sort of all the round's
    changes (an index of the round alone made PostgreSQL read and sort every one)."""
    from sqlalchemy import text

    from decisions.proposals.models import PositionChange
    from decisions.proposals.queries import _history

    indexes = {index["name"]: index["column_names"]
               for index in inspect(db.engine).get_indexes("position_changes")}
    assert indexes["ix_position_changes_round_newest"] == ["round_id", "id"]
    assert "ix_position_changes_round_id" not in indexes
    newest = (_history().where(PositionChange.round_id == 7)
              .order_by(PositionChange.id.desc()).limit(26))
    sql = str(newest.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            # An empty table's plan is any plan: ask whether one without a sort exists.
            for method in ("seqscan", "bitmapscan", "sort"):
                connection.execute(text(f"SET enable_{method} = off"))
            plan = "\n".join(connection.execute(text(f"EXPLAIN {sql}")).scalars())
            assert "Sort" not in plan, plan
        else:
            plan = "\n".join(row[-1] for row in connection.execute(
                text(f"EXPLAIN QUERY PLAN {sql}")))
            assert "TEMP B-TREE" not in plan, plan
    assert "ix_position_changes_round_newest" in plan, plan
