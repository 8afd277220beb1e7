"""Attachments through the routes: only PDFs by content, stored under random names,
refused when too large with the limit in words, downloaded byte for byte by those who
may see their meeting or proposal, and removed on the record."""

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from decisions.files.models import Attachment
from decisions.meetings import services as meetings

EN = {"Accept-Language": "en"}
HTMX = {**EN, "HX-Request": "true"}
STORAGE_KEY = re.compile(r"^[0-9a-f]{32}\.pdf$")


@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT)


@pytest.fixture
def item(app, make, sec):
    """An item on a planned meeting: its agenda is open for attachments."""
    return make.item(sec, make.meeting(make.group()), "Regional transportplan")


def _upload(data: bytes, filename: str, title: str = "") -> dict:
    return {"file": (io.BytesIO(data), filename), "title": title}


def _stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["FILE_STORAGE"]).rglob("*") if p.is_file()]


def _attachments() -> list[Attachment]:
    db.session.commit()  # a fresh read: the requests wrote in their own sessions
    return list(db.session.scalars(select(Attachment).order_by(Attachment.id)))


def _field_errors(html: str) -> list[str]:
    return re.findall(
        r'<p class="[^"]*\bfield-error\b[^"]*"[^>]* id="[^"]*-file-error">([^<]*)</p>', html)


def test_html_named_pdf_is_refused_next_to_the_field_keeping_the_title_and_stores_nothing(
        app, client, make, sec, item):
    make.login(client, sec)
    page = b"<!doctype html><html><script>alert(document.cookie)</script></html>"

    response = client.post(f"/items/{item.id}/attachments", headers=EN,
                           data=_upload(page, "rapport.pdf", title="Min tittel"))

    assert response.status_code == 422
    assert _field_errors(response.text) == [
        "The file is not a PDF. Only PDF attachments can be added."]
    assert 'value="Min tittel"' in response.text
    assert _attachments() == []
    assert _stored_files(app) == []


def test_the_htmx_refusal_is_the_fragment_with_the_error_next_to_the_field(
        app, client, make, sec, item):
    make.login(client, sec)

    response = client.post(f"/items/{item.id}/attachments", headers=HTMX,
                           data=_upload(b"%PDF-1.7 but nothing else", "x.pdf", title="Notat"))

    assert response.status_code == 200
    assert "<html" not in response.text
    assert _field_errors(response.text) == [
        "The PDF could not be read. Save it again as PDF and upload it once more."]
    assert 'value="Notat"' in response.text
    assert _attachments() == []


@pytest.mark.parametrize(("sent", "shown"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\x.pdf", "x.pdf"),
])
def test_a_path_in_the_file_name_is_stored_under_a_random_key_and_shown_cleaned(
        app, client, make, sec, item, tmp_path, sent, shown):
    make.login(client, sec)

    response = client.post(f"/items/{item.id}/attachments", headers=EN,
                           data=_upload(make.pdf_bytes(), sent))

    assert response.status_code == 303
    [attachment] = _attachments()
    assert attachment.filename == shown
    assert STORAGE_KEY.match(attachment.storage_key)
    root = Path(app.config["FILE_STORAGE"]).resolve()
    [stored] = _stored_files(app)
    assert stored.resolve().is_relative_to(root) and stored.name == attachment.storage_key
    assert not (tmp_path / "etc").exists() and not (tmp_path / "x.pdf").exists()
    page = client.get(f"/items/{item.id}/attachments", headers=EN).text
    assert f"({shown}," in page and sent not in page


def test_a_request_over_the_size_limit_is_refused_with_413_naming_the_limit(
        app, client, make, sec, item):
    app.config["ATTACHMENT_MAX_MB"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    make.login(client, sec)
    big = b"%PDF-1.7\n" + b"0" * (3 * 1024 * 1024)

    response = client.post(f"/items/{item.id}/attachments", headers=EN,
                           data=_upload(big, "stor.pdf"))

    assert response.status_code == 413
    assert "The file is larger than 1 MB." in response.text
    assert _attachments() == [] and _stored_files(app) == []


def test_a_file_over_the_limit_but_within_the_request_limit_gets_the_message_by_the_field(
        app, client, make, sec, item):
    app.config["ATTACHMENT_MAX_MB"] = 1
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    make.login(client, sec)
    big = b"%PDF-1.7\n" + b"0" * (1536 * 1024)

    response = client.post(f"/items/{item.id}/attachments", headers=EN,
                           data=_upload(big, "stor.pdf"))

    assert response.status_code == 422
    assert _field_errors(response.text) == ["The file is larger than 1 MB."]
    assert _attachments() == [] and _stored_files(app) == []


def test_a_pdf_uploads_and_downloads_byte_for_byte_with_safe_headers(
        app, client, make, sec, item):
    make.login(client, sec)
    pdf = make.pdf_bytes(pages=3, text="Årsrapport")

    response = client.post(f"/items/{item.id}/attachments", headers=EN,
                           data=_upload(pdf, "Årsrapport 2025.pdf", title="Årsrapport"))

    assert response.status_code == 303
    assert urlsplit(response.location).path == f"/items/{item.id}/attachments"
    [attachment] = _attachments()
    assert (attachment.title, attachment.pages, attachment.size) == ("Årsrapport", 3, len(pdf))
    download = client.get(f"/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.data == pdf
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%C3%85rsrapport%202025.pdf" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in download.headers["Cache-Control"]


def test_an_upload_from_a_page_returns_to_that_page_and_never_elsewhere(
        app, client, make, sec, item):
    make.login(client, sec)
    url = f"/items/{item.id}/attachments"

    back = client.post(url, data={**_upload(make.pdf_bytes(), "a.pdf"),
                                  "next": f"/items/{item.id}/edit"})
    away = client.post(url, data={**_upload(make.pdf_bytes(), "b.pdf"),
                                  "next": "https://evil.example/"})

    assert back.status_code == away.status_code == 303
    assert back.location == f"/items/{item.id}/edit"
    assert away.location == "/"


def test_an_htmx_upload_answers_with_the_list_that_now_holds_the_attachment(
        app, client, make, sec, item):
    make.login(client, sec)

    response = client.post(f"/items/{item.id}/attachments", headers=HTMX,
                           data=_upload(make.pdf_bytes(), "plan.pdf", title="Planutkast"))

    assert response.status_code == 200
    assert "<html" not in response.text
    [attachment] = _attachments()
    assert f'href="/attachments/{attachment.id}"' in response.text
    assert "Planutkast" in response.text and 'role="status"' in response.text


def test_a_representative_downloads_an_attachment_of_a_published_meeting_not_a_planned_one(
        app, client, make, sec):
    group = make.group()
    published = make.meeting(group)
    planned = make.meeting(group)
    on_published = make.item(sec, published, "Budsjett")
    on_planned = make.item(sec, planned, "Strategi")
    from decisions.files.services import add_attachment

    shown = add_attachment(sec, data=make.pdf_bytes(), filename="budsjett.pdf",
                           item=on_published)
    hidden = add_attachment(sec, data=make.pdf_bytes(), filename="strategi.pdf",
                            item=on_planned)
    meetings.publish_notice(sec, published)
    db.session.commit()
    anonymous = app.test_client()
    make.login(client, make.representative(make.member()))

    assert client.get(f"/attachments/{shown.id}").status_code == 200
    assert client.get(f"/attachments/{hidden.id}").status_code == 403
    response = anonymous.get(f"/attachments/{shown.id}")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"


def test_an_attachment_of_a_draft_proposal_is_the_secretariats_only(app, client, make, sec):
    draft = make.proposal(sec, title="Utkast")
    circulated = make.round_(sec, [make.member()]).proposal
    browsers = {}
    for role, user in {"secretariat": sec, "board": make.user(Role.BOARD),
                       "representative": make.representative(make.member())}.items():
        browsers[role] = app.test_client()
        make.login(browsers[role], user)
    for proposal in (draft, circulated):
        response = browsers["secretariat"].post(
            f"/proposals/{proposal.id}/attachments",
            data=_upload(make.pdf_bytes(), f"notat-{proposal.id}.pdf"))
        assert response.status_code == 303
    on_draft, on_circulated = _attachments()

    assert {role: b.get(f"/attachments/{on_draft.id}").status_code
            for role, b in browsers.items()} == {
        "secretariat": 200, "board": 403, "representative": 403}
    assert {role: b.get(f"/attachments/{on_circulated.id}").status_code
            for role, b in browsers.items()} == {
        "secretariat": 200, "board": 200, "representative": 200}


def test_only_the_secretariat_uploads_and_a_refused_upload_stores_nothing(
        app, client, make, item):
    make.login(client, make.user(Role.BOARD))

    response = client.post(f"/items/{item.id}/attachments",
                           data=_upload(make.pdf_bytes(), "a.pdf"))

    assert response.status_code == 403
    assert _attachments() == [] and _stored_files(app) == []


def test_removing_an_attachment_is_audited_and_it_can_no_longer_be_downloaded(
        app, client, make, sec, item):
    make.login(client, sec)
    client.post(f"/items/{item.id}/attachments", data=_upload(make.pdf_bytes(), "a.pdf"))
    [attachment] = _attachments()

    response = client.post(f"/attachments/{attachment.id}/remove", headers=EN,
                           data={"confirmed": "1"})

    assert response.status_code == 303
    [attachment] = _attachments()
    assert attachment.removed
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.act == "attachment.removed")).one()
    assert (entry.actor_id, entry.object_id) == (sec.id, attachment.id)
    assert entry.before["filename"] == "a.pdf"
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    page = client.get(f"/items/{item.id}/attachments", headers=EN).text
    assert f"/attachments/{attachment.id}" not in page and "No attachments." in page


def test_attachments_of_a_held_meeting_cannot_be_removed_and_the_refusal_says_why(
        app, client, make, sec, item):
    from decisions.files.services import add_attachment

    attachment = add_attachment(sec, data=make.pdf_bytes(), filename="a.pdf", item=item)
    meetings.publish_notice(sec, item.meeting)
    meetings.mark_held(sec, item.meeting)
    db.session.commit()
    make.login(client, sec)

    response = client.post(f"/attachments/{attachment.id}/remove", headers=HTMX,
                           data={"confirmed": "1"})

    assert response.status_code == 200
    assert "Attachments can only be removed before the meeting." in response.text
    assert not _attachments()[0].removed
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.act == "attachment.removed")) == 0
