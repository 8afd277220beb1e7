"""Publishing the notice and approving the minutes: the PDFs are rendered outside the
write transaction from a frozen snapshot, recorded only if nothing changed meanwhile,
published once per content, and a disk or renderer that fails says so and leaves
neither a half-published meeting nor a file without a row."""

import errno
import os
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.errors import Conflict
from decisions.extensions import db
from decisions.files import storage
from decisions.files.models import Attachment
from decisions.meetings import agenda, minutes, pdf, queries
from decisions.meetings.models import (
    DocumentKind,
    GroupRole,
    Meeting,
    MeetingDocument,
    MeetingState,
)
from decisions.notifications.models import Notification
from decisions.proposals.models import Position, PositionKind

EN = {"Accept-Language": "en"}


@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT)


@pytest.fixture
def meeting(app, make, sec):
    meeting_ = make.meeting(make.group("Styret"))
    make.item(sec, meeting_, "Regional transportplan")
    return meeting_


@pytest.fixture
def renders(monkeypatch, make):
    """WeasyPrint replaced by small PDFs (these tests are about the flow, not the
    PDFs); `renders.during` runs inside the render, outside any transaction."""

    class Renders:
        count = 0
        during = None

        def notice(self, snapshot):
            self.count += 1
            if self.during:
                self.during()
            return make.pdf_bytes(1, "Innkalling"), make.pdf_bytes(2, "Sakspapirer")

        def minutes(self, source):
            self.count += 1
            if self.during:
                self.during()
            return make.pdf_bytes(1, "Protokoll")

    fake = Renders()
    monkeypatch.setattr(pdf, "render_notice", fake.notice)
    monkeypatch.setattr(pdf, "render_minutes", fake.minutes)
    return fake


def _signed_in(app, make, user):
    """Another browser, signed in as `user` (the form posts without CSRF tokens)."""
    app.config["WTF_CSRF_ENABLED"] = False
    browser = app.test_client()
    make.login(browser, user)
    return browser


def _thread(app, work) -> threading.Thread:
    """`work` in a thread of its own, as another request would run."""
    def run():
        with app.app_context():
            work()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _fresh(meeting: Meeting) -> Meeting:
    db.session.commit()  # a fresh read: requests wrote in their own sessions
    return db.session.get(Meeting, meeting.id)


def _documents(meeting: Meeting) -> list[tuple[DocumentKind, int]]:
    db.session.commit()
    return [(d.kind, d.revision) for d in db.session.scalars(
        select(MeetingDocument).where(MeetingDocument.meeting_id == meeting.id)
        .order_by(MeetingDocument.id))]


def _stored_files(app) -> set[str]:
    root = Path(app.config["FILE_STORAGE"])
    return {p.name for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()


def _publish(client, meeting_id: int, nonce: str = "", **kw):
    data = {"confirmed": "1", **({"form_nonce": nonce} if nonce else {})}  # asked, said yes
    return client.post(f"/meetings/{meeting_id}/publish", data=data, headers=EN, **kw)


def _notifications() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Notification))


# --- Once per content ------------------------------------------------------------------

def test_publishing_an_unchanged_agenda_again_issues_no_revision_and_notifies_nobody(
        app, client, make, sec, meeting, renders):
    make.login(client, sec)
    assert _publish(client, meeting.id).status_code == 303
    notified = _notifications()

    page = _publish(client, meeting.id, follow_redirects=True)

    assert "Nothing has changed since the notice was published" in page.text
    assert _fresh(meeting).notice_revision == 1
    assert _documents(meeting) == [(DocumentKind.NOTICE, 1), (DocumentKind.PACK, 1),
                                  (DocumentKind.PUBLIC_NOTICE, 1)]
    assert _notifications() == notified
    assert renders.count == 1  # refused before rendering


def test_a_changed_agenda_is_published_as_a_revision(app, client, make, sec, meeting,
                                                     renders):
    make.login(client, sec)
    _publish(client, meeting.id)
    make.item(sec, _fresh(meeting), "Ny sak")

    page = _publish(client, meeting.id, follow_redirects=True)

    assert "The notice is published." in page.text
    assert _fresh(meeting).notice_revision == 2
    assert (DocumentKind.NOTICE, 2) in _documents(meeting)


def test_the_same_publish_form_sent_twice_publishes_once_even_after_a_change(
        app, client, make, sec, meeting, renders):
    """A resent request after a lost answer (or a double click) carries the form's
    nonce: however the agenda stands when it arrives, it publishes nothing more."""
    make.login(client, sec)
    assert _publish(client, meeting.id, nonce="n-1").status_code == 303
    make.item(sec, _fresh(meeting), "Ny sak")

    page = _publish(client, meeting.id, nonce="n-1", follow_redirects=True)

    assert "This form was already sent" in page.text
    assert _fresh(meeting).notice_revision == 1


def test_a_double_click_while_the_first_publish_renders_publishes_and_notifies_once(
        app, make, sec, meeting, renders):
    """Both clicks get past the content check while neither has recorded; the nonce
    lets only the first record."""
    first, second = _signed_in(app, make, sec), _signed_in(app, make, sec)
    rendering, answers = threading.Barrier(2), []
    renders.during = lambda: rendering.wait(timeout=20)

    meeting_id = meeting.id  # not read from the test's session in the threads
    threads = [_thread(app, lambda c=c: answers.append(
        _publish(c, meeting_id, nonce="same", follow_redirects=True).text))
        for c in (first, second)]
    for thread in threads:
        thread.join(timeout=60)

    assert sum("The notice is published." in a for a in answers) == 1
    assert sum("This form was already sent" in a for a in answers) == 1
    assert _fresh(meeting).notice_revision == 1
    assert _documents(meeting) == [(DocumentKind.NOTICE, 1), (DocumentKind.PACK, 1),
                                  (DocumentKind.PUBLIC_NOTICE, 1)]
    assert _stored_files(app) == {k for k in db.session.scalars(
        select(MeetingDocument.storage_key))}  # the loser's files are gone


# --- Rendering outside the write transaction ------------------------------------------

def test_a_position_is_registered_while_a_notice_is_rendering(app, make, sec, meeting,
                                                              renders):
    """On SQLite the renderer used to hold the write lock: a representative's
    position waited for it and failed ("database is locked"). The render here waits
    until the position is saved (at most 20 s)."""
    municipality = make.member("Asker")
    representative = make.representative(municipality)
    round_ = make.round_(sec, [municipality])
    publisher, voter = _signed_in(app, make, sec), _signed_in(app, make, representative)
    rendering, position_saved, answers = threading.Event(), threading.Event(), {}

    def render_until_the_position_is_saved():
        rendering.set()
        position_saved.wait(timeout=20)

    renders.during = render_until_the_position_is_saved
    meeting_id = meeting.id  # not read from the test's session in the thread
    thread = _thread(app, lambda: answers.setdefault(
        "publish", _publish(publisher, meeting_id, follow_redirects=True).text))
    assert rendering.wait(timeout=20)

    response = voter.post(f"/rounds/{round_.id}/members/{municipality.id}/position",
                          data={"kind": "support", "comment": ""}, headers=EN)
    position_saved.set()
    thread.join(timeout=60)

    assert response.status_code == 303, response.text[:300]
    db.session.commit()
    assert db.session.scalar(select(Position.kind).where(
        Position.member_id == municipality.id)) == PositionKind.SUPPORT
    assert "The notice is published." in answers["publish"]


def _nothing_held(meeting_id: int) -> dict:
    """What the render finds (it runs inside the request): whether the request's session
    is in a transaction, and whether another connection takes the write lock (SQLite)
    or the meeting's row (PostgreSQL) at once, without waiting."""
    seen = {"in_transaction": db.session().in_transaction()}
    other = db.engine.raw_connection()  # beside the session, as another request
    try:
        cursor = other.cursor()
        if db.engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA busy_timeout=0")  # fail at once if the lock is held
            cursor.execute("BEGIN IMMEDIATE")
            cursor.execute("ROLLBACK")
            cursor.execute("PRAGMA busy_timeout=10000")
        else:
            cursor.execute("SELECT id FROM meetings WHERE id = %s FOR UPDATE NOWAIT",
                           (meeting_id,))
            other.rollback()
        seen["others_may_write"] = True
    finally:
        other.close()
    return seen


def test_the_documents_render_with_no_transaction_open_and_nothing_locked(
        app, make, sec, renders):
    """Publishing and approving freeze the document in a reading transaction, end it,
    render, and only then record in a short writing transaction: while the PDF renders
    the request holds no transaction, so no lock, and another writer is not kept
    waiting (for the meeting's row on PostgreSQL, for the database on SQLite)."""
    chair = make.user(Role.BOARD)
    board = make.group("Styret")
    make.seat(board, person_name=chair.name, role=GroupRole.CHAIR, user_=chair)
    meeting = make.meeting(board)
    make.item(sec, meeting, "Regional transportplan")
    meeting_id, seen = meeting.id, []
    renders.during = lambda: seen.append(_nothing_held(meeting_id))

    published = _publish(_signed_in(app, make, sec), meeting_id, follow_redirects=True)
    assert "The notice is published." in published.text
    make.held(sec, _fresh(meeting))
    first = queries.active_items(meeting)[0]
    minutes.save_item_minutes(sec, first, lock_version=first.lock_version, notes="Notat.",
                              decision_text="Godkjent.")
    db.session.commit()
    approved = _signed_in(app, make, chair).post(
        f"/meetings/{meeting_id}/approve", data={"confirmed": "1"}, headers=EN,
        follow_redirects=True)

    assert "The minutes are approved" in approved.text
    assert seen == [{"in_transaction": False, "others_may_write": True}] * 2
    assert _fresh(meeting).state == MeetingState.MINUTES_APPROVED
    assert [kind for kind, _revision in _documents(meeting)] == [
        DocumentKind.NOTICE, DocumentKind.PACK, DocumentKind.PUBLIC_NOTICE,
        DocumentKind.MINUTES, DocumentKind.PUBLIC_MINUTES]


def test_an_agenda_changed_during_the_render_publishes_nothing_and_keeps_no_file(
        app, make, sec, meeting, renders):
    renders.during = lambda: make.item(sec, db.session.get(Meeting, meeting.id), "Endring")

    with force_locale("en"), pytest.raises(Conflict, match="changed while the notice"):
        agenda.publish_notice(sec, meeting)
    db.session.rollback()

    assert _fresh(meeting).state == MeetingState.PLANNED
    assert _fresh(meeting).notice_revision == 0
    assert _documents(meeting) == []
    assert _stored_files(app) == set()
    assert all(i.number is None for i in queries.active_items(_fresh(meeting)))


def test_a_render_that_fails_leaves_the_meeting_as_it_was_and_says_so(
        app, client, make, sec, meeting, renders):
    def broken():
        raise RuntimeError("WeasyPrint ran out of memory")

    renders.during = broken
    make.login(client, sec)

    page = _publish(client, meeting.id, follow_redirects=True)

    assert "The PDF could not be made, so nothing was published" in page.text
    fresh = _fresh(meeting)
    assert (fresh.state, fresh.notice_revision) == (MeetingState.PLANNED, 0)
    assert all(i.number is None for i in queries.active_items(fresh))
    assert _documents(meeting) == [] and _stored_files(app) == set()


def test_minutes_changed_while_their_pdf_renders_are_not_approved(app, make, sec, renders):
    chair = make.user(Role.BOARD)
    board = make.group("Styret")
    make.seat(board, person_name=chair.name, role=GroupRole.CHAIR, user_=chair)
    meeting = make.meeting(board)
    agenda.publish_notice(sec, meeting)
    make.held(sec, meeting)
    first = queries.active_items(meeting)[0]
    minutes.save_item_minutes(sec, first, lock_version=first.lock_version, notes="Notat.",
                              decision_text="Godkjent.")
    db.session.commit()

    def edit():
        item = queries.active_items(db.session.get(Meeting, meeting.id))[0]
        minutes.save_item_minutes(sec, item, lock_version=item.lock_version,
                                  notes="Endret.", decision_text="Godkjent.")
        db.session.commit()

    renders.during = edit
    with force_locale("en"), pytest.raises(Conflict, match="minutes changed while"):
        minutes.approve_minutes(chair, meeting)
    db.session.rollback()

    assert _fresh(meeting).state == MeetingState.MINUTES_DRAFTED
    assert _documents(meeting) == [(DocumentKind.NOTICE, 1), (DocumentKind.PACK, 1),
                                  (DocumentKind.PUBLIC_NOTICE, 1)]
    assert len(_stored_files(app)) == 3  # the notices and pack; the minutes are gone


# --- The disk --------------------------------------------------------------------------

@contextmanager
def read_only(directory: Path):
    """`directory` made unwritable, even for root (the tests may run as root, whom
    permission bits do not stop): the immutable attribute where the file system has
    it."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o555)
    immutable = False
    if os.access(directory, os.W_OK):
        immutable = subprocess.run(["chattr", "+i", str(directory)],
                                   capture_output=True).returncode == 0
        if not immutable:
            os.chmod(directory, 0o755)
            pytest.skip("no way to make a directory read-only for this user here")
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(directory)], check=True)
        os.chmod(directory, 0o755)


@pytest.fixture
def disk_full(monkeypatch):
    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)


STORE_MESSAGE = "The document store is full or not writable"


def test_publishing_onto_a_full_store_says_so_and_keeps_no_file(
        app, client, make, sec, meeting, renders, disk_full):
    make.login(client, sec)

    page = _publish(client, meeting.id, follow_redirects=True)

    assert page.status_code == 200
    assert STORE_MESSAGE in page.text
    assert _fresh(meeting).notice_revision == 0
    assert _stored_files(app) == set()


def test_publishing_onto_a_read_only_store_says_so(app, client, make, sec, meeting,
                                                    renders):
    make.login(client, sec)

    with read_only(Path(app.config["FILE_STORAGE"])):
        page = _publish(client, meeting.id, follow_redirects=True)

    assert STORE_MESSAGE in page.text
    assert _fresh(meeting).state == MeetingState.PLANNED


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_an_attachment_uploaded_onto_a_failing_store_is_refused_next_to_the_field(
        app, client, make, sec, meeting, monkeypatch, fault):
    import io

    item = queries.active_items(meeting)[0]
    make.login(client, sec)
    data = {"file": (io.BytesIO(make.pdf_bytes(1)), "plan.pdf"), "title": "Plan"}
    if fault == "full":
        monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(
            OSError(errno.ENOSPC, "No space left on device")))
        response = client.post(f"/items/{item.id}/attachments", headers=EN, data=data)
    else:
        with read_only(Path(app.config["FILE_STORAGE"])):
            response = client.post(f"/items/{item.id}/attachments", headers=EN, data=data)

    assert response.status_code == 422
    assert STORE_MESSAGE in response.text
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert _stored_files(app) == set()


def test_a_file_whose_recording_transaction_fails_is_removed(app, make, sec, meeting):
    key, _digest = storage.save(make.pdf_bytes(1))
    storage.discard_unless_committed(db.session, [key])
    db.session.execute(select(1))  # the recording transaction, begun

    db.session.rollback()

    assert not storage.path_of(key).exists()


def test_the_sweep_removes_old_files_that_no_row_names_and_keeps_the_rest(
        app, make, sec, meeting, runner):
    item = queries.active_items(meeting)[0]
    from decisions.files.services import add_attachment

    kept = add_attachment(sec, data=make.pdf_bytes(1), filename="a.pdf", item=item)
    db.session.commit()
    orphan, _ = storage.save(make.pdf_bytes(1))
    young_orphan, _ = storage.save(make.pdf_bytes(1))
    an_hour_and_more = time.time() - storage.ORPHAN_AGE - 60
    for key in (kept.storage_key, orphan):
        os.utime(storage.path_of(key), (an_hour_and_more, an_hour_and_more))

    result = runner.invoke(args=["sweep"])

    assert result.exit_code == 0, result.output
    assert _stored_files(app) == {kept.storage_key, young_orphan}


def test_a_stored_file_and_its_name_are_fsynced(app, make, monkeypatch):
    synced: list[bool] = []
    real = os.fsync

    def spy(fd):
        synced.append(os.path.isdir(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)

    storage.save(make.pdf_bytes(1))

    assert synced == [False, True]  # the file, then its directory after the rename


# --- The pack's own pages are tagged ---------------------------------------------------

@pytest.mark.real_pdf
def test_the_packs_own_pages_keep_the_notices_structure_and_the_pack_claims_no_pdfa(
        app, make, sec, meeting):
    """Rendered for real: the accessibility statement says the pack's own pages are
    tagged and the attachments are the members' own files."""
    import io

    from pypdf import PdfReader

    from decisions.files.services import add_attachment

    item = queries.active_items(meeting)[0]
    add_attachment(sec, data=make.pdf_bytes(2, "Vedlegg"), filename="v.pdf", item=item)
    db.session.commit()

    notice = agenda.publish_notice(sec, meeting)
    db.session.commit()
    pack = queries.latest_document(meeting, DocumentKind.PACK)
    notice_pdf = PdfReader(io.BytesIO(storage.read(notice.storage_key)))
    pack_pdf = PdfReader(io.BytesIO(storage.read(pack.storage_key)))

    root = pack_pdf.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    assert root["/Lang"] == "nb"
    assert "/Metadata" not in root  # the notice's PDF/A claim is not the pack's
    own = len(notice_pdf.pages)
    assert len(pack_pdf.pages) == own + 2
    assert all("/StructParents" in page for page in pack_pdf.pages[:own])
    assert not any("/StructParents" in page for page in pack_pdf.pages[own:])
    tree = root["/StructTreeRoot"].get_object()
    assert tree["/K"] and "/ParentTree" in tree
    titles = [entry.title for entry in pack_pdf.outline if not isinstance(entry, list)]
    assert titles == [pdf.item_heading(i) for i in queries.active_items(meeting)]
