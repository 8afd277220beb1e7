"""Stored PDFs: every route that sends one authorizes with one query and then streams
it (FILE_SENDING=direct) or hands it to the front server (x-accel: nginx's
X-Accel-Redirect; x-sendfile: Apache's or lighttpd's X-Sendfile), with the same headers
in every mode; a refusal or a 304 never carries the hand-over header."""

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from decisions.accounts.models import LoginSession, Role
from decisions.accounts.services import end_sessions
from decisions.app import create_app
from decisions.clock import now
from decisions.extensions import db
from decisions.files import grants, storage
from decisions.files import views as files_views
from decisions.files.services import add_attachment, remove_attachment
from decisions.meetings import agenda, minutes, queries, seats
from decisions.meetings.models import DocumentKind, GroupRole, MeetingDocument
from tests.counting import counting_queries

MODES = ("direct", "x-accel", "x-sendfile")
HAND_OVER = ("X-Accel-Redirect", "X-Sendfile")




@pytest.fixture
def world(app, make, clock):
    """A board meeting with a public notice, approved minutes and an attachment on an
    item; a planned meeting of the same group with an attachment nobody but the
    secretariat reads; a seat held by a person outside Samråd."""
    sec = make.user(Role.SECRETARIAT)
    group = make.group("Styret", public_meetings=True)
    chair = make.user(Role.BOARD)
    make.seat(group, person_name=chair.name, role=GroupRole.CHAIR, user_=chair)
    outside = seats.add_membership(None, group, person_name="Ola Utenfor",
                                   role=GroupRole.MEMBER, term_start=now().date(),
                                   email="ola@example.org")
    meeting = agenda.plan_meeting(sec, group, starts_at=now() + timedelta(days=3),
                                  place="Oslo rådhus")
    item = make.item(sec, meeting, "Regional transportplan")
    shown = add_attachment(sec, data=make.pdf_bytes(text="Plan"), filename="Årsplan 2026.pdf",
                           item=item)
    planned = agenda.plan_meeting(sec, group, starts_at=now() + timedelta(days=30))
    hidden = add_attachment(sec, data=make.pdf_bytes(text="Utkast"), filename="utkast.pdf",
                            item=make.item(sec, planned, "Strategi"))
    agenda.publish_notice(sec, meeting)
    db.session.commit()
    clock.set(meeting.starts_at + timedelta(hours=3))
    minutes.mark_held(sec, meeting)
    for agenda_item in queries.active_items(meeting):
        minutes.save_item_minutes(sec, agenda_item, lock_version=agenda_item.lock_version,
                                  notes="Drøftet.", decision_text="Vedtatt.")
    db.session.commit()
    minutes.approve_minutes(chair, meeting)
    db.session.commit()
    public_notice = queries.latest_document(meeting, DocumentKind.PUBLIC_NOTICE)
    with app.test_request_context():
        token = seats.papers_token(outside, meeting)
    return {"sec": sec, "meeting": meeting, "planned": planned, "shown": shown,
            "hidden": hidden, "token": token, "public_notice": public_notice,
            "reader": make.representative(make.member()), "outside": outside}


def _urls(w) -> dict[str, str]:
    m = w["meeting"].id
    return {
        "minutes": f"/meetings/{m}/documents/minutes.pdf",
        "notice": f"/meetings/{m}/documents/notice.pdf",
        "attachment": f"/attachments/{w['shown'].id}",
        "public": f"/public/meetings/{m}/minutes.pdf",
        "papers": f"/papers/{w['token']}/notice.pdf",
        "oparl": f"/oparl/1.1/file/{w['public_notice'].id}/content",
    }


def _expected(url: str, w) -> tuple[str, str]:
    """(storage key, sha256) of what `url` sends."""
    if url.startswith("/attachments/"):
        return w["shown"].storage_key, w["shown"].sha256
    meeting = w["meeting"]
    kind = (DocumentKind.PUBLIC_NOTICE if "/oparl/" in url
            else DocumentKind.PUBLIC_MINUTES if url.startswith("/public/")
            else DocumentKind.MINUTES if url.endswith("minutes.pdf") else DocumentKind.NOTICE)
    doc = queries.latest_document(meeting, kind)
    return doc.storage_key, doc.sha256


@pytest.mark.parametrize("mode", MODES)
def test_every_stored_pdf_route_sends_the_same_headers_in_every_mode_and_hands_over_the_file(
        app, client, make, world, mode):
    app.config["FILE_SENDING"] = mode
    make.login(client, world["sec"])

    for name, url in _urls(world).items():
        key, sha256 = _expected(url, world)
        response = client.get(url)

        assert response.status_code == 200, (name, response.status_code)
        assert response.mimetype == "application/pdf", name
        assert response.headers["ETag"] == f'"{sha256}"', name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Content-Security-Policy"].startswith("sandbox"), name
        cache = response.headers["Cache-Control"]
        assert "private" in cache and "max-age=0" in cache, name
        disposition = response.headers.get("Content-Disposition")
        if name == "oparl":
            assert disposition is None  # shown in the browser: the accessUrl
        else:
            assert disposition.startswith("attachment;") and ".pdf" in disposition, name
        path = storage.path_of(key).absolute()
        if mode == "direct":
            assert hashlib.sha256(response.data).hexdigest() == sha256, name
            assert not any(h in response.headers for h in HAND_OVER), name
        elif mode == "x-accel":
            assert response.data == b"", name
            assert response.headers["X-Accel-Redirect"] == f"/_stored/{key[:2]}/{key}", name
            assert "X-Sendfile" not in response.headers, name
            assert Path(app.config["FILE_STORAGE"], key[:2], key).read_bytes() == \
                path.read_bytes()
        else:
            assert response.data == b"", name
            assert response.headers["X-Sendfile"] == str(path), name
            assert "X-Accel-Redirect" not in response.headers, name
    disposition = client.get(_urls(world)["attachment"]).headers["Content-Disposition"]
    assert "filename*=UTF-8''%C3%85rsplan%202026.pdf" in disposition


@pytest.mark.parametrize("mode", MODES)
def test_a_browser_that_has_the_revision_gets_a_304_without_the_file_in_every_mode(
        app, client, make, world, mode):
    app.config["FILE_SENDING"] = mode
    make.login(client, world["sec"])

    for name, url in _urls(world).items():
        _key, sha256 = _expected(url, world)
        response = client.get(url, headers={"If-None-Match": f'"{sha256}"'})

        assert response.status_code == 304, name
        assert response.data == b""
        assert not any(h in response.headers for h in HAND_OVER), name


@pytest.mark.parametrize("mode", MODES)
def test_a_person_who_may_not_read_a_pdf_gets_403_or_404_and_no_hand_over_in_every_mode(
        app, client, make, world, mode):
    app.config["FILE_SENDING"] = mode
    app.config["FILE_ACCEL_PREFIX"] = "/_stored/"
    meeting, planned = world["meeting"], world["planned"]
    make.login(client, world["reader"])
    anonymous = app.test_client()
    other = agenda.plan_meeting(world["sec"], make.group("Faggruppe"),
                                starts_at=now() + timedelta(days=5))
    make.item(world["sec"], other)
    agenda.publish_notice(world["sec"], other)
    db.session.commit()
    tampered = world["token"][:-2] + ("AA" if not world["token"].endswith("AA") else "BB")
    with app.test_request_context():
        not_her_group = seats.papers_token(world["outside"], other)

    refused = {
        # The representative: a planned meeting's notice and attachment are not hers.
        (client, f"/meetings/{planned.id}/documents/notice.pdf"): 403,
        (client, f"/attachments/{world['hidden'].id}"): 403,
        (client, "/meetings/999999/documents/minutes.pdf"): 404,
        (client, "/attachments/999999"): 404,
        (client, f"/meetings/{other.id}/documents/minutes.pdf"): 403,  # drafts: not hers
        # Without a login: the public versions only, and not of a private group.
        (anonymous, f"/meetings/{meeting.id}/documents/minutes.pdf"): 302,
        (anonymous, f"/attachments/{world['shown'].id}"): 302,
        (anonymous, f"/public/meetings/{other.id}/notice.pdf"): 404,
        (anonymous, f"/public/meetings/{planned.id}/minutes.pdf"): 404,
        (anonymous, f"/papers/{tampered}/notice.pdf"): 404,
        (anonymous, f"/papers/{not_her_group}/notice.pdf"): 404,  # signed, another group
        (anonymous, f"/oparl/1.1/file/{_members_notice(meeting).id}/content"): 404,
    }
    for (who, url), status in refused.items():
        response = who.get(url)

        assert response.status_code == status, (url, response.status_code)
        assert not any(h in response.headers for h in HAND_OVER), url
        assert b"%PDF" not in response.data, url


def _members_notice(meeting) -> MeetingDocument:
    return db.session.scalar(select(MeetingDocument).where(
        MeetingDocument.meeting_id == meeting.id, MeetingDocument.kind == DocumentKind.NOTICE))


def test_a_stored_pdf_is_authorized_with_one_query_beyond_the_login(app, client, make, world):
    """The session and its user are what every page loads; a download adds one query
    for the document, its meeting (or item and proposal) and what the rule needs."""
    make.login(client, world["reader"])
    db.session.commit()

    def statements(who, url: str) -> list[str]:
        with app.app_context(), counting_queries() as seen:
            response = who.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return [s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]

    def of_the_login(statement: str) -> bool:
        return "FROM login_sessions" in statement or "FROM users" in statement

    anonymous = app.test_client()
    for name, url in _urls(world).items():
        who = anonymous if name in ("public", "papers", "oparl") else client
        seen = statements(who, url)
        [document] = [s for s in seen if not of_the_login(s)]
        assert "meeting_documents" in document or "attachments" in document, name
        assert len(seen) <= 3, (name, seen)  # the session and its user at most, besides


@pytest.mark.parametrize("settings", [{"FILE_SENDING": "nginx"},
                                      {"FILE_SENDING": "x-accel", "FILE_ACCEL_PREFIX": "stored"},
                                      {"DOWNLOAD_GRANT_SECONDS": float("nan")},
                                      {"DOWNLOAD_GRANT_SECONDS": float("inf")},
                                      {"DOWNLOAD_GRANT_SECONDS": -1},
                                      {"DOWNLOAD_GRANT_SECONDS": 301}])
def test_an_unknown_sending_mode_a_prefix_without_slashes_or_unusable_grant_seconds_stop_the_app(
        database_url, tmp_path, settings):
    with pytest.raises(RuntimeError, match="FILE_|DOWNLOAD_GRANT_SECONDS"):
        create_app("test", SQLALCHEMY_DATABASE_URI=database_url,
                   FILE_STORAGE=str(tmp_path / "files"), **settings)


# --- Grants: a file the session was just allowed, sent again without the database ----

def test_a_stored_pdf_asked_again_by_the_same_session_is_sent_without_a_query_as_before(
        app, client, make, world):
    make.login(client, world["reader"])
    urls = [_urls(world)[name] for name in ("minutes", "notice", "attachment")]
    first = {url: client.get(url) for url in urls}

    for url in urls:
        with counting_queries() as seen:
            again = client.get(url)

        assert seen == [], url
        assert again.status_code == 200
        assert again.data == first[url].data and b"%PDF" in again.data
        for header in ("ETag", "Content-Disposition", "Content-Security-Policy",
                       "Cache-Control", "X-Content-Type-Options", "Content-Type"):
            assert again.headers[header] == first[url].headers[header], (url, header)
        with counting_queries() as seen:
            unchanged = client.get(url, headers={"If-None-Match": again.headers["ETag"]})
        assert unchanged.status_code == 304 and seen == []


def test_no_grant_is_kept_when_download_grant_seconds_is_zero(app, client, make, world):
    app.extensions[grants.KEY] = grants.Grants(0)
    make.login(client, world["reader"])
    url = _urls(world)["minutes"]
    client.get(url)

    with counting_queries() as seen:
        assert client.get(url).status_code == 200
    assert seen, "the second download asked the database again"


def test_a_grant_is_the_session_s_own_another_login_at_the_same_address_is_refused(
        app, client, make, world):
    """The secretariat's grant for an attachment only it may read does not serve the
    representative (another session) nor a visitor without a login."""
    hidden = f"/attachments/{world['hidden'].id}"
    reader = app.test_client()
    make.login(reader, world["reader"])  # first: a login writes, which forgets grants
    make.login(client, world["sec"])
    assert client.get(hidden).status_code == 200
    assert grants.of_app().kept

    assert reader.get(hidden).status_code == 403
    assert app.test_client().get(hidden).status_code == 302
    with counting_queries() as seen:
        assert client.get(hidden).status_code == 200
    assert seen == []  # its own grant still serves it


def test_a_request_that_began_before_a_write_committed_keeps_no_grant(
        app, client, make, world, monkeypatch):
    """A write committed by another thread between a download's check and its answer
    (the check may have read the rights before the change): no grant is kept."""
    make.login(client, world["reader"])
    url = _urls(world)["attachment"]
    check = files_views.can

    def checked_then_another_thread_writes(*args, **kwargs):
        allowed = check(*args, **kwargs)
        grants.of_app().forget()  # what that thread's commit does
        return allowed

    monkeypatch.setattr(files_views, "can", checked_then_another_thread_writes)
    assert client.get(url).status_code == 200
    assert not grants.of_app().kept
    monkeypatch.setattr(files_views, "can", check)
    assert client.get(url).status_code == 200
    assert grants.of_app().kept


def test_a_route_without_a_login_neither_loads_the_visitor_s_login_nor_keeps_a_grant(
        app, client, make, world):
    make.login(client, world["reader"])
    for name in ("public", "papers", "oparl"):
        with counting_queries() as seen:
            assert client.get(_urls(world)[name]).status_code == 200, name
        assert not [s for s in seen if "login_sessions" in s], name
    assert not grants.of_app().kept


def test_a_write_in_the_process_forgets_every_grant_so_an_ended_login_is_refused_at_once(
        app, client, make, world):
    """The login ended (as by a logout elsewhere, or a password change's end of the
    other logins: a bulk update) right after a download: the same cookie asks again
    and gets the login page, not the file."""
    make.login(client, world["reader"])
    url = _urls(world)["minutes"]
    assert client.get(url).status_code == 200
    assert grants.of_app().kept

    end_sessions(world["reader"])
    db.session.commit()

    assert not grants.of_app().kept
    assert client.get(url).status_code == 302


def test_a_removed_attachment_is_not_sent_from_a_grant(app, client, make, world):
    make.login(client, world["sec"])
    url = f"/attachments/{world['hidden'].id}"  # on the planned meeting: removable
    assert client.get(url).status_code == 200

    remove_attachment(world["sec"], world["hidden"])
    db.session.commit()

    assert client.get(url).status_code == 404


def test_a_grant_as_old_as_download_grant_seconds_is_not_used_so_another_process_s_change_applies(
        app, client, make, world):
    """A change this process did not make (here: the login ended by a statement on a
    connection of its own, as another process would) is in force once the grant is
    DOWNLOAD_GRANT_SECONDS old; until then the grant still answers (the bound the
    README states)."""
    moment = [1000.0]
    app.extensions[grants.KEY] = grants.Grants(10, clock=lambda: moment[0])
    make.login(client, world["reader"])
    url = _urls(world)["minutes"]
    assert client.get(url).status_code == 200
    reader_id = world["reader"].id
    db.session.commit()  # the test's own transaction ends: the other one may write
    with db.engine.begin() as other_process:
        other_process.execute(update(LoginSession).where(
            LoginSession.user_id == reader_id).values(ended_at=now()))

    moment[0] += 9.9
    assert client.get(url).status_code == 200
    moment[0] += 0.1
    assert client.get(url).status_code == 302
