"""A stored file a login was just allowed to read, sent again without asking the database.

A PDF viewer asks for a document again and in pieces (Range requests), and a board
member opens the same minutes twice; each request would load the session, the user,
the document and its rules anew, three to four times the work of sending the file.
Once a route has said that a login may read a stored file (`storage.send_pdf`), the
process keeps that answer for DOWNLOAD_GRANT_SECONDS (10; 0 keeps nothing): the same
address asked again with the same session cookie within that time is answered before
the login is loaded (`storage.answer_kept`).

How late a revocation can be: a commit of this process that wrote anything (a logout, a
role or seat changed, a new revision, a removed attachment: every state change writes
its audit row) forgets every grant at once, and a request that began before such a
commit keeps none (its check may have read the old rights). A grant is never used once
it is DOWNLOAD_GRANT_SECONDS old, counted from the start of the request that checked,
so a change made by another process, or one that comes with time alone (a login that
idles out, a seat whose term ends), is in force after at most that many seconds. Only
a session that read the file within those seconds can be answered from a grant:
another login, or the same address without the cookie, asks the database as before.
A route that never loads the login (the public, papers and open data ones) keeps none.

The session tokens are kept as hashes, as the database keeps them."""

import hashlib
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

KEY = "download_grants"
WROTE = "download_grants.wrote"  # session.info: this transaction wrote something
GRANTS_KEPT = 4096  # addresses a process keeps at most; all are forgotten when full
ADDRESS_KEPT = 200  # characters of an address kept at most (longer ones: no grant)
LONGEST = 300  # seconds DOWNLOAD_GRANT_SECONDS may be at most
STARTED = "grants_started"  # g: (generation, moment) when this request began


@dataclass(frozen=True, slots=True)
class Grant:
    """What the route sent: enough to send it again as it did."""

    user_id: str
    key: str
    download_name: str | None
    sha256: str
    inline: bool
    until: float  # time.monotonic()


class Grants:
    """One process's grants, by (hash of the session token, address asked)."""

    def __init__(self, seconds: float, clock=time.monotonic):
        self.seconds = seconds
        self.clock = clock  # seconds that only go forward (tests age the grants)
        self.kept: dict[tuple[bytes, str], Grant] = {}
        self.generation = 0  # how many times every grant was forgotten

    def begin(self) -> None:
        """At the start of a request: what `keep` measures the request's check from."""
        g.setdefault(STARTED, (self.generation, self.clock()))

    def keep(self, sid: str, address: str, user_id: str | None, key: str,
             download_name: str | None, sha256: str, inline: bool) -> None:
        started = g.get(STARTED)
        if (self.seconds <= 0 or not user_id or started is None
                or started[0] != self.generation or len(address) > ADDRESS_KEPT):
            return  # rights changed since the request began: its check may be stale
        if len(self.kept) >= GRANTS_KEPT:
            self.kept.clear()
        self.kept[(_hashed(sid), address)] = Grant(
            user_id, key, download_name, sha256, inline, until=started[1] + self.seconds)

    def find(self, sid: str, address: str, user_id: str | None) -> Grant | None:
        """The grant of this session for this address, if it is still young and was
        given to the user the session cookie names."""
        at = (_hashed(sid), address)
        grant = self.kept.get(at)
        if grant is None:
            return None
        if grant.user_id != user_id or self.clock() >= grant.until:
            self.kept.pop(at, None)  # another thread may have cleared it
            return None
        return grant

    def forget(self) -> None:
        self.generation += 1
        self.kept.clear()


def _hashed(sid: str) -> bytes:
    return hashlib.blake2b(sid.encode(), digest_size=16).digest()


def register(app: Flask) -> None:
    """The process's grants; refuses, at start, seconds that are not a number from 0
    to LONGEST (a grant that never ages would never see another process's change)."""
    seconds = app.config["DOWNLOAD_GRANT_SECONDS"]
    if not (isinstance(seconds, int | float) and math.isfinite(seconds)
            and 0 <= seconds <= LONGEST):
        raise RuntimeError(f"DOWNLOAD_GRANT_SECONDS must be a number of seconds from 0 to "
                           f"{LONGEST}, not {seconds!r}; see README, Configuration.")
    app.extensions[KEY] = Grants(float(seconds))


def of_app() -> Grants:
    return current_app.extensions[KEY]


@event.listens_for(Session, "after_flush")
def _wrote(session: Session, _context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _wrote_in_bulk(state) -> None:
    if not state.is_select and (state.is_update or state.is_delete or state.is_insert):
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
def _forget_after_a_write(session: Session) -> None:
    # A write rolled back leaves the mark to the next commit: grants forgotten once
    # too often, never once too few. Outside an app (a script's session), none are kept.
    if session.info.pop(WROTE, False) and has_app_context() and KEY in current_app.extensions:
        current_app.extensions[KEY].forget()
