"""The audit trail as a hash chain.

Entries are inserted when their transaction commits, in one order for the whole
database: the committing transaction locks the chain's head, gives each of its
entries the previous hash and its own (SHA-256 over the previous hash and the
entry's content), and moves the head. The entries are written once and never
updated, so on PostgreSQL the app's role needs only INSERT and SELECT on them.
`flask audit verify` recomputes the chain: an edited entry no longer matches its
hash, a deleted one breaks the link of the next, deleted last ones no longer reach
the head.

The hash of an entry must never change meaning: the migration that chained the
entries made before the chain existed uses `entry_hash` too.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from decisions.audit.models import AuditChain, AuditEntry
from decisions.database import dialect_insert

GENESIS = "0" * 64
HEAD_ID = 1
PENDING = "audit_pending"  # key in Session.info: entries waiting for the commit


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """SHA-256 of the previous hash and the entry's content, as canonical JSON."""
    at = entry["at"]
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    content = {
        "at": at.astimezone(UTC).isoformat(),
        "actor_id": entry["actor_id"], "act": entry["act"],
        "object_type": entry["object_type"], "object_id": entry["object_id"],
        "before": entry["before"], "after": entry["after"],
    }
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def fields(entry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in (
        "at", "actor_id", "act", "object_type", "object_id", "before", "after")}


def queue(session: Session, entry) -> None:
    """Keep an entry for the chain; it is inserted when the transaction commits."""
    session.info.setdefault(PENDING, []).append(entry)


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    session.flush()  # the acts' own rows first, so entries never wait on them
    head = _lock_head(session, AuditChain)
    prev = head.hash
    for entry in pending:
        entry.prev_hash = prev
        entry.hash = prev = entry_hash(prev, fields(entry))
        session.add(entry)
    session.flush()
    head.hash, head.last_entry_id = prev, pending[-1].id
    session.flush()


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


def _lock_head(session: Session, AuditChain):
    """The head row, locked until the commit (created on first use: every audited
    write after that locks it in one statement)."""
    locked = (select(AuditChain).where(AuditChain.id == HEAD_ID).with_for_update()
              .execution_options(populate_existing=True))
    head = session.execute(locked).scalar_one_or_none()
    if head is None:
        session.execute(dialect_insert(session, AuditChain).values(
            id=HEAD_ID, hash=GENESIS, last_entry_id=None).on_conflict_do_nothing())
        head = session.execute(locked).scalar_one()
    return head


def verify(session: Session) -> list[str]:
    """What is wrong with the chain, one line per problem (empty when it holds).

    The entries and the head are read in one snapshot of the database. Read in two,
    as before on PostgreSQL (READ COMMITTED: each statement its own), an act committed
    while the entries were read (tens of seconds on a large trail) moved the head past
    the last entry read, and a live database was reported as having lost its last
    entries: `make bench` saw it. PostgreSQL reads on a connection of its own in
    REPEATABLE READ; SQLite's transaction (BEGIN, in WAL) is one snapshot already."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return _problems(session)
    with bind.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with Session(bind=conn) as snapshot:
            return _problems(snapshot)


def _problems(session: Session) -> list[str]:
    problems, prev, last_id = [], GENESIS, None
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)
                              .execution_options(yield_per=1000))
    for entry in entries:
        if entry.prev_hash != prev:
            problems.append(f"entry {entry.id}: the entry before it is missing or changed")
        if entry.hash != entry_hash(entry.prev_hash or "", fields(entry)):
            problems.append(f"entry {entry.id}: its content was changed")
        prev, last_id = entry.hash, entry.id
    head = session.get(AuditChain, HEAD_ID)
    if (head.hash if head else GENESIS) != prev:
        problems.append(f"the entries after {last_id} were deleted" if last_id
                        else "every entry was deleted")
    return problems


def privileges_sql(role: str) -> Iterable[str]:
    """PostgreSQL: the app's role may read and add audit entries, never change them."""
    quoted = '"' + role.replace('"', '""') + '"'
    yield f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM {quoted}"
    yield f"GRANT SELECT, INSERT ON audit_entries TO {quoted}"
    yield f"GRANT USAGE, SELECT ON SEQUENCE audit_entries_id_seq TO {quoted}"
    yield f"GRANT SELECT, INSERT, UPDATE ON audit_chain TO {quoted}"

