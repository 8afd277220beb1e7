"""The archival PDFs of meetings: notice, meeting pack and minutes, rendered by the real
WeasyPrint through the services, read back from the file store with pypdf."""

import hashlib
import http.server
import io
import shutil
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale, format_date, gettext
from jinja2 import FileSystemLoader
from pypdf import PdfReader
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.clock import now, oslo
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.files import storage
from decisions.files.services import add_attachment
from decisions.locale import format_moment
from decisions.meetings import agenda, pdf, queries
from decisions.meetings import minutes as minutes_acts
from decisions.meetings import services as meetings
from decisions.meetings.labels import GROUP_ROLE_LABELS
from decisions.meetings.models import (
    AbsenceKind,
    AgendaItem,
    AttendanceStatus,
    DocumentKind,
    EntryKind,
    GroupRole,
    ItemKind,
    MeetingDocument,
)
from decisions.register.models import Decision

pytestmark = pytest.mark.real_pdf

PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"


# --- Helpers --------------------------------------------------------------------------

def nb(message: str, **values) -> str:
    """A label as the PDFs print it: bokmål from the catalog (English until translated)."""
    with force_locale("nb"):
        return gettext(message, **values)


def sak(ref: str, title: str = "") -> str:
    return f"{nb('Item %(ref)s', ref=ref)} {title}".strip()


def stored(meeting, kind: DocumentKind) -> tuple[MeetingDocument, bytes]:
    document = queries.latest_document(meeting, kind)
    assert document is not None
    return document, storage.read(document.storage_key)


def text_of(data: bytes) -> str:
    """All the text, whitespace collapsed (lines wrap wherever the layout puts them)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def assert_in_order(text: str, parts: list[str], start: int = 0) -> int:
    """Each part occurs after the one before it; returns where the last one ends."""
    at = start
    for part in parts:
        found = text.find(part, at)
        assert found >= 0, f"{part!r} not found after position {at} in {text[at:at + 300]!r}"
        at = found + len(part)
    return at


def outline(data: bytes) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every bookmark, in order."""
    reader = PdfReader(io.BytesIO(data))
    found: list[tuple[int, str, int]] = []

    def walk(entries, depth: int) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, depth + 1)
            else:
                found.append((depth, str(entry.title), reader.get_destination_page_number(entry)))

    walk(reader.outline, 0)
    return found


def pdfa_identification(data: bytes) -> dict[str, str]:
    """pdfaid:part and pdfaid:conformance from the XMP metadata, attributes or elements."""
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    if "/Metadata" not in root:
        return {}
    xmp = root["/Metadata"].get_object().get_data()
    start, end = xmp.index(b"<x:xmpmeta"), xmp.index(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")
    found: dict[str, str] = {}
    for element in ET.fromstring(xmp[start:end]).iter():
        if element.tag.startswith(PDFAID) and element.text:
            found[element.tag[len(PDFAID):]] = element.text.strip()
        for name, value in element.attrib.items():
            if name.startswith(PDFAID):
                found[name[len(PDFAID):]] = value
    return found


@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT, name="Sekretær Sigrid")


@pytest.fixture
def group(app, make):
    return make.group("Styret")


@pytest.fixture
def meeting(make, group):
    """A board meeting on 16 March 2026 (items "x/26"): approval of the notice, then
    "any other business" until a test adds items."""
    return make.meeting(group, place="Oslo rådhus, møterom 3")


def publish(sec, meeting):
    document = agenda.publish_notice(sec, meeting)
    db.session.commit()
    return document


class ProbeServer:
    """A tiny HTTP server on a free loopback port that records every request."""

    def __init__(self):
        requests = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(PNG_1X1)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture
def probe():
    server = ProbeServer()
    yield server
    server.stop()


# --- The notice -----------------------------------------------------------------------

def test_notice_lists_the_items_numbers_and_titles_in_agenda_order(make, sec, meeting):
    budget = make.item(sec, meeting, "Budsjett 2027")
    make.item(sec, meeting, "Årsmelding 2025")
    strategy = make.item(sec, meeting, "Felles ladestrategi")
    # The agenda order, not the order of adding, decides the numbers.
    for _ in range(2):  # one move a request, as on the agenda page
        agenda.move_item(sec, strategy, -1)
        db.session.commit()
    assert [i.title for i in queries.active_items(meeting)][1:3] == [
        "Felles ladestrategi", "Budsjett 2027"]

    document = publish(sec, meeting)

    notice = storage.read(document.storage_key)
    assert hashlib.sha256(notice).hexdigest() == document.sha256
    headings = [sak("1/26", "Godkjenning av innkalling og saksliste"),
                sak("2/26", "Felles ladestrategi"), sak("3/26", "Budsjett 2027"),
                sak("4/26", "Årsmelding 2025"), sak("5/26", "Eventuelt")]
    text = text_of(notice)
    agenda_end = assert_in_order(text, [nb("Agenda"), *headings])  # the agenda (saksliste)
    assert_in_order(text, headings, start=agenda_end)  # then the case presentations
    assert budget.ref == "3/26"
    # Every item is a bookmark under the document's title, pointing into the notice.
    assert [(depth, title) for depth, title, _page in outline(notice)] == [
        (0, nb("Notice of meeting")), (1, nb("Agenda")),
        *((1, heading) for heading in headings)]


def test_notice_shows_time_place_and_each_items_case_presentation(app, make, sec, meeting):
    member = make.member("Lillestrøm kommune")
    proposal = make.round_(sec, [member]).proposal
    agenda.edit_meeting(sec, meeting, lock_version=meeting.lock_version,
                        starts_at=datetime(2026, 3, 16, 9, 0, tzinfo=UTC),
                        ends_at=datetime(2026, 3, 16, 11, 30, tzinfo=UTC),
                        place="Oslo rådhus, møterom 3",
                        video_url="https://video.example.test/styret")
    db.session.commit()
    linked = make.item(sec, meeting, "Felles ladestrategi", proposal=proposal,
                       case_officer="Kari Saksbehandler",
                       background="Kommunene har **samarbeidet** om ladepunkter.\n\n"
                                  "# En overskrift i bakgrunnen")
    exempt = make.item(sec, meeting, "Tilsetting av daglig leder",
                       exempt_basis="offl. § 25", proposed_resolution="Kari tilsettes.")
    gone = make.item(sec, meeting, "Sak som ble trukket")
    add_attachment(sec, data=make.pdf_bytes(3), filename="strategi.pdf",
                   title="Ladestrategi, utkast", item=linked)
    agenda.remove_item(sec, gone)
    db.session.commit()

    document = publish(sec, meeting)

    notice = storage.read(document.storage_key)
    text = text_of(notice)
    assert_in_order(text, [
        app.config["ALLIANCE_NAME"].upper(), nb("Notice of meeting"), "Styret", "16.03.2026"])
    with force_locale("nb"):
        day = format_date(date(2026, 3, 16), "full")
    assert nb("%(day)s at %(time)s", day=day, time="10:00–12:30") in text  # Oslo time
    assert "Oslo rådhus, møterom 3" in text
    assert "https://video.example.test/styret" in text
    assert_in_order(text, [
        sak(linked.ref, "Felles ladestrategi"), nb("Decision item"),
        nb("Case no. %(ref)s", ref=proposal.case_ref), nb("Case officer"), "Kari Saksbehandler",
        nb("Proposed resolution"), proposal.resolution,
        nb("Background"), "Kommunene har samarbeidet om ladepunkter.",
        nb("Attachments"), "Ladestrategi, utkast (3", nb("Item %(ref)s", ref=exempt.ref)])
    assert_in_order(text, [
        sak(exempt.ref, "Tilsetting av daglig leder"),
        nb("Exempt from public access, %(basis)s", basis="offl. § 25"), "Kari tilsettes.",
        nb("No written case papers")])
    assert "Sak som ble trukket" not in text
    # Headings inside user Markdown are not bookmarks; only the document and its items.
    titles = [title for _depth, title, _page in outline(notice)]
    assert "En overskrift i bakgrunnen" not in titles
    assert sak(linked.ref, "Felles ladestrategi") in titles


def test_notice_and_minutes_are_pdfa_with_language_title_a4_and_page_numbers(make, sec,
                                                                               meeting):
    for n in range(3):
        make.item(sec, meeting, f"Lang sak {n}", background="Et langt avsnitt. " * 300)
    notice = storage.read(publish(sec, meeting).storage_key)
    make.held(sec, meeting)
    first = queries.active_items(meeting)[0]
    minutes_acts.save_item_minutes(sec, first, lock_version=first.lock_version, notes="",
                                   decision_text="Godkjent.")
    db.session.commit()
    minutes = storage.read(_approve_by_next_meeting(make, sec, meeting).storage_key)

    for data, kind in ((notice, nb("Notice of meeting")), (minutes, nb("Minutes"))):
        reader = PdfReader(io.BytesIO(data))
        ident = pdfa_identification(data)
        assert ident["part"] == "2" and ident["conformance"] == "A"  # the accessible variant
        root = reader.trailer["/Root"]
        assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root  # tagged
        assert root["/Lang"] == "nb"
        # The headings are bookmarks: every item's title is in the outline.
        titles = [title for _depth, title, _page in outline(data)]
        assert all(any(f"Lang sak {n}" in title for title in titles) for n in range(3))
        assert reader.metadata.title == f"{kind} – Styret – 16.03.2026"
        page = reader.pages[0].mediabox
        assert (round(float(page.width)), round(float(page.height))) == (595, 842)  # A4
        count = len(reader.pages)
        last = reader.pages[-1].extract_text()
        assert nb("Page %(page)s of %(pages)s", page=count, pages=count) in last
    # Running header from the second page on: group, date and kind of document.
    assert len(PdfReader(io.BytesIO(notice)).pages) > 1
    second = " ".join(PdfReader(io.BytesIO(notice)).pages[1].extract_text().split())
    assert "Styret · 16.03.2026" in second and nb("Notice of meeting") in second


def _approve_by_next_meeting(make, sec, meeting):
    """Approves `meeting`'s minutes through the approval item of the group's next meeting."""
    later = make.meeting(meeting.group, starts_at=meeting.starts_at + timedelta(days=28))
    approval = next(i for i in queries.active_items(later)
                    if i.kind == ItemKind.APPROVE_MINUTES)
    assert approval.approves_meeting_id == meeting.id
    publish(sec, later)
    make.held(sec, later)
    document = minutes_acts.approve_minutes(sec, meeting, by_item=approval)
    db.session.commit()
    return document


# --- The meeting pack -----------------------------------------------------------------

def test_meeting_pack_appends_every_attachment_with_bookmarks(make, sec, meeting):
    strategy = make.item(sec, meeting, "Felles ladestrategi")
    budget = make.item(sec, meeting, "Budsjett 2027")
    add_attachment(sec, data=make.pdf_bytes(2), filename="a.pdf", title="Strategien",
                   item=strategy)
    add_attachment(sec, data=make.pdf_bytes(3), filename="b.pdf", title="Høringsnotat",
                   item=strategy)
    add_attachment(sec, data=make.pdf_bytes(1), filename="c.pdf", title="Budsjettforslag",
                   item=budget)
    db.session.commit()

    publish(sec, meeting)

    _, notice = stored(meeting, DocumentKind.NOTICE)
    _, pack = stored(meeting, DocumentKind.PACK)
    notice_pages = len(PdfReader(io.BytesIO(notice)).pages)
    assert len(PdfReader(io.BytesIO(pack)).pages) == notice_pages + 2 + 3 + 1
    on_notice = {title: page for _depth, title, page in outline(notice)}

    def attachment(ref: str, n: int, title: str) -> str:
        return f"{nb('Item %(ref)s – attachment %(n)s', ref=ref, n=n)}: {title}"

    assert outline(pack) == [
        (0, sak("1/26", "Godkjenning av innkalling og saksliste"),
         on_notice[sak("1/26", "Godkjenning av innkalling og saksliste")]),
        (0, sak("2/26", "Felles ladestrategi"), on_notice[sak("2/26", "Felles ladestrategi")]),
        (1, attachment("2/26", 1, "Strategien"), notice_pages),
        (1, attachment("2/26", 2, "Høringsnotat"), notice_pages + 2),
        (0, sak("3/26", "Budsjett 2027"), on_notice[sak("3/26", "Budsjett 2027")]),
        (1, attachment("3/26", 1, "Budsjettforslag"), notice_pages + 5),
        (0, sak("4/26", "Eventuelt"), on_notice[sak("4/26", "Eventuelt")]),
    ]
    # Merged third-party PDFs cannot be vouched for: the pack claims no PDF/A.
    assert pdfa_identification(pack) == {}
    assert PdfReader(io.BytesIO(pack)).trailer["/Root"]["/Lang"] == "nb"


# --- A revised notice -----------------------------------------------------------------

def test_revised_notice_is_marked_and_keeps_the_numbers_of_earlier_items(make, sec, meeting):
    make.item(sec, meeting, "Budsjett 2027")
    publish(sec, meeting)
    make.item(sec, meeting, "Ny sak etter innkallingen")  # numbered at once: 4/26

    revised = publish(sec, meeting)

    assert revised.revision == 2
    text = text_of(storage.read(revised.storage_key))
    assert nb("Revised notice of meeting (revision %(n)s)", n=2) in text
    assert_in_order(text, [
        sak("1/26", "Godkjenning av innkalling og saksliste"), sak("2/26", "Budsjett 2027"),
        sak("4/26", "Ny sak etter innkallingen"), sak("3/26", "Eventuelt")])
    first = db.session.scalar(select(MeetingDocument).where(
        MeetingDocument.meeting_id == meeting.id, MeetingDocument.kind == DocumentKind.NOTICE,
        MeetingDocument.revision == 1))
    first_text = text_of(storage.read(first.storage_key))
    assert nb("Revised notice of meeting (revision %(n)s)", n=2) not in first_text
    assert "Ny sak etter innkallingen" not in first_text
    assert PdfReader(io.BytesIO(storage.read(revised.storage_key))).metadata.title.startswith(
        nb("Revised notice of meeting (revision %(n)s)", n=2))


# --- The minutes ----------------------------------------------------------------------

def _hold_with_minutes(make, sec, meeting):
    """A held meeting with attendance, notes, decisions, entries, absences and actions."""
    member = make.member("Asker kommune")
    make.item(sec, meeting, "Felles ladestrategi")
    make.item(sec, meeting, "Budsjett 2027")
    publish(sec, meeting)
    make.held(sec, meeting)
    for name, status, stands_in_for in (
            ("Ola Leder", AttendanceStatus.PRESENT, ""),
            ("Kari Medlem", AttendanceStatus.PRESENT, ""),
            ("Per Borte", AttendanceStatus.APOLOGIES, ""),
            ("Vara Vilde", AttendanceStatus.DEPUTY, "Per Borte"),
            ("Sekretær Sigrid", AttendanceStatus.OTHER, "")):
        minutes_acts.set_attendance(sec, meeting, person_name=name, status=status,
                                    stands_in_for=stands_in_for)
    decisions = {}
    for item in queries.active_items(meeting):
        decisions[item.title] = f"Vedtak i {item.title.lower()}."
        minutes_acts.save_item_minutes(sec, item, lock_version=item.lock_version,
                                       notes=f"Notat om {item.title.lower()}.",
                                       decision_text=decisions[item.title])
    strategy = next(i for i in queries.active_items(meeting)
                    if i.title == "Felles ladestrategi")
    minutes_acts.add_entry(sec, strategy, kind=EntryKind.DISSENT, member=member,
                           text="Asker kommune går imot punkt 2.")
    minutes_acts.add_absence(sec, strategy, person_name="Kari Medlem",
                             kind=AbsenceKind.DISQUALIFIED, note="fvl. § 6")
    minutes_acts.add_action(sec, strategy, description="Sende strategien på høring",
                            owner="Sekretariatet", due=date(2026, 4, 30))
    db.session.commit()
    return decisions


def test_minutes_show_attendance_and_items_numbers_and_decisions_in_order(make, sec, meeting):
    decisions = _hold_with_minutes(make, sec, meeting)

    document = _approve_by_next_meeting(make, sec, meeting)

    text = text_of(storage.read(document.storage_key))
    assert_in_order(text, [nb("Minutes"), "Styret", "16.03.2026", "Oslo rådhus, møterom 3"])
    assert_in_order(text, [
        nb("Present"), "Ola Leder, Kari Medlem", nb("Apologies"), "Per Borte",
        nb("Deputies"), nb("%(name)s for %(seat)s", name="Vara Vilde", seat="Per Borte"),
        nb("Also present"), "Sekretær Sigrid"])
    assert_in_order(text, [
        sak("1/26", "Godkjenning av innkalling og saksliste"),
        nb("Decision"), decisions["Godkjenning av innkalling og saksliste"],
        sak("2/26", "Felles ladestrategi"),
        nb("Disqualified"), "Kari Medlem (fvl. § 6)",
        "Notat om felles ladestrategi.", nb("Decision"), decisions["Felles ladestrategi"],
        nb("Protocol entries"), nb("Dissent"), "Asker kommune", "går imot punkt 2.",
        nb("Action items"), "Sende strategien på høring",
        nb("responsible: %(owner)s", owner="Sekretariatet"),
        sak("3/26", "Budsjett 2027"), decisions["Budsjett 2027"],
        sak("4/26", "Eventuelt"), decisions["Eventuelt"]])
    approval = next(i for i in db.session.scalars(select(AgendaItem)
                    .where(AgendaItem.approves_meeting_id == meeting.id)))
    with force_locale("nb"):
        day = format_date(oslo(approval.meeting.starts_at).date(), "d. MMMM y")
    assert nb("Minutes approved by the meeting of %(date)s, item %(ref)s.",
              date=day, ref=approval.ref) in text


def test_minutes_approved_by_the_chair_name_the_chair(app, make, sec, group, meeting):
    chair = make.user(Role.BOARD, name="Ola Leder")
    make.seat(group, person_name=chair.name, role=GroupRole.CHAIR, user_=chair)
    _hold_with_minutes(make, sec, meeting)

    document = minutes_acts.approve_minutes(chair, meeting)
    db.session.commit()

    with force_locale("nb"):
        day = format_date(oslo(now()).date(), "d. MMMM y")
    text = text_of(storage.read(document.storage_key))
    assert nb("Minutes approved by the chair, %(name)s, on %(date)s.",
              name="Ola Leder", date=day) in text


def test_approved_minutes_are_never_rendered_again(app, make, sec, meeting, tmp_path,
                                                     monkeypatch):
    _hold_with_minutes(make, sec, meeting)
    approved = _approve_by_next_meeting(make, sec, meeting)
    original = storage.read(approved.storage_key)
    assert hashlib.sha256(original).hexdigest() == approved.sha256

    # The template changes after the approval (a copy of templates/ with an edited
    # minutes template), and rendering now would give another document ...
    templates = tmp_path / "templates"
    shutil.copytree(app.jinja_loader.searchpath[0], templates)
    minutes_template = templates / "pdf" / "minutes.html"
    minutes_template.write_text(minutes_template.read_text(encoding="utf-8").replace(
        "{% block content %}", "{% block content %}<p>NY MAL ETTER GODKJENNING</p>"),
        encoding="utf-8")
    monkeypatch.setattr(app.jinja_env, "loader", FileSystemLoader(str(templates)))
    assert "NY MAL ETTER GODKJENNING" in text_of(pdf.minutes_pdf(meeting))

    # ... but the approved minutes stay the bytes that were approved, and approving
    # again is refused before anything is rendered.
    def must_not_render(_meeting):
        raise AssertionError("approved minutes were rendered again")

    monkeypatch.setattr(pdf, "minutes_pdf", must_not_render)
    with pytest.raises(DomainError, match=r"Denne protokollen er allerede godkjent\."):
        minutes_acts.approve_minutes(sec, meeting, by_item=next(
            i for i in db.session.scalars(select(AgendaItem).where(
                AgendaItem.approves_meeting_id == meeting.id))))
    db.session.rollback()
    document, data = stored(meeting, DocumentKind.MINUTES)
    assert (document.id, document.sha256) == (approved.id, approved.sha256)
    assert data == original and hashlib.sha256(data).hexdigest() == approved.sha256
    assert "NY MAL ETTER GODKJENNING" not in text_of(data)
    assert db.session.scalar(select(func.count()).select_from(MeetingDocument).where(
        MeetingDocument.meeting_id == meeting.id,
        MeetingDocument.kind == DocumentKind.MINUTES)) == 1


# --- Nothing is fetched but the app's static files ------------------------------------

def test_an_image_in_user_markdown_is_not_fetched(make, sec, meeting, probe):
    image = probe.url("/probe.png")
    item = make.item(sec, meeting, "Sak med bilde",
                     background=f"Se kartet: ![kart]({image})\n\n<img src=\"{image}\">")
    document = publish(sec, meeting)
    make.held(sec, meeting)
    minutes_acts.save_item_minutes(sec, item, lock_version=item.lock_version,
                                   notes=f"![kart]({image})", decision_text="Tatt til orientering.")
    db.session.commit()
    minutes = _approve_by_next_meeting(make, sec, meeting)

    assert probe.requests == []
    for data in (storage.read(document.storage_key), storage.read(minutes.storage_key)):
        assert "Sak med bilde" in text_of(data)


def test_the_renderer_refuses_every_url_but_static_files(app, probe, tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = f"""<!doctype html><html lang="nb"><head><title>Prøve</title>
      <link rel="stylesheet" href="{probe.url('/evil.css')}">
      <link rel="stylesheet" href="file://{secret}">
      <link rel="stylesheet" href="/static/../config.py"></head>
      <body><p>Tekst</p><img src="{probe.url('/probe.png')}" alt="bilde">
      <img src="file:///etc/hostname" alt="fil"></body></html>"""

    data = pdf.write_pdf(html)

    assert probe.requests == []
    assert "Tekst" in text_of(data)


def test_the_fetcher_serves_static_files_and_refuses_everything_else(app, probe):
    fetcher = pdf.static_fetcher()
    origin = pdf.ORIGIN
    stylesheet = fetcher.fetch(f"{origin}/static/css/pdf.css")
    with open(f"{app.static_folder}/css/pdf.css", "rb") as f:
        assert stylesheet.read() == f.read()
    assert stylesheet.content_type == "text/css"

    for url in (
            probe.url("/static/css/pdf.css"),  # the network, even with a static path
            f"file://{app.static_folder}/css/pdf.css",  # a file URL, even into static/
            "file:///etc/passwd",
            f"{origin}/static/../config.py",
            f"{origin}/static/%2e%2e/config.py",
            f"{origin}/static/css/..%2f..%2fconfig.py",
            f"{origin}/config.py",
            f"{origin}/static/css/no-such-file.css",
            "data:text/css,body{}",
            "https://samraad.invalid.example.test/static/css/pdf.css"):
        with pytest.raises(pdf.ResourceRefused):
            fetcher.fetch(url)
    assert probe.requests == []


def test_the_page_label_becomes_css_counters_between_escaped_strings(app, monkeypatch):
    monkeypatch.setattr(pdf, "_", lambda message, **values: (
        'Side "{page}" av\\ {pages}</style>'.format(**values)))
    assert str(pdf.page_of_pages_css()) == (
        '"Side \\"" counter(page) "\\" av\\\\ " counter(pages) "\\3C /style>"')


def test_a_published_pdf_is_served_from_its_file_and_a_repeat_download_is_a_304(
        app, make, sec, meeting, client):
    document = publish(sec, meeting)
    make.login(client, sec)
    url = f"/meetings/{meeting.id}/documents/notice.pdf"

    first = client.get(url)

    assert first.data == storage.read(document.storage_key)
    assert first.headers["ETag"] == f'"{document.sha256}"'
    assert first.headers["Content-Disposition"].startswith("attachment; filename=innkalling-")
    assert "private" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


# --- What a Norwegian secretariat's notice and minutes carry (issue 13) -----------------

def _struct_rows(data: bytes) -> list[list[str]]:
    """The tag structure's table rows: per /TR, the structure types of its cells."""
    reader = PdfReader(io.BytesIO(data))
    rows: list[list[str]] = []

    def kids(node):
        k = node.get("/K")
        if k is None:
            return []
        k = k.get_object()
        items = k if isinstance(k, list) else [k]
        return [i.get_object() for i in items if hasattr(i.get_object(), "get")]

    def walk(node):
        for child in kids(node):
            if child.get("/S") == "/TR":
                rows.append([str(cell.get("/S")) for cell in kids(child)])
            walk(child)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return rows


def test_the_notice_shows_where_each_linked_proposal_stands_as_the_agenda_does(
        app, make, sec, meeting):
    from decisions.proposals.labels import POSITION_LABELS
    from decisions.proposals.models import PositionKind

    objector, other = make.member("Nesodden"), make.member("Frogn")
    open_round = make.round_(sec, [objector, other])
    make.position(sec, open_round, objector, PositionKind.OBJECT, comment="For dyrt.")
    asker, hurdal = make.member("Asker"), make.member("Hurdal")
    decided_round = make.round_(sec, [asker, hurdal])
    make.position(sec, decided_round, asker, PositionKind.RESERVATION,
                  comment="Kostnadene fordeles etter innbyggertall.")
    make.position(sec, decided_round, hurdal, PositionKind.STAND_ASIDE, comment="")
    db.session.commit()
    make.item(sec, meeting, "Ladestrategi", proposal=open_round.proposal)
    make.item(sec, meeting, "Felles innkjøp", proposal=decided_round.proposal)
    decision = db.session.scalar(select(Decision).where(
        Decision.proposal_id == decided_round.proposal_id))

    text = text_of(storage.read(publish(sec, meeting).storage_key))

    with force_locale("nb"):
        deadline = format_moment(open_round.deadline)
        reservation = str(POSITION_LABELS[PositionKind.RESERVATION])
        stand_aside = str(POSITION_LABELS[PositionKind.STAND_ASIDE])
    assert_in_order(text, [
        "Ladestrategi", nb("Consensus state"), nb("Open until %(when)s", when=deadline),
        nb("Objections standing:"), "Nesodden",
        "Felles innkjøp", nb("Consensus state"), nb("Consensus"), nb("Decision"),
        decision.ref, f"{reservation}, Asker", "Kostnadene fordeles etter innbyggertall.",
        f"{stand_aside}, Hurdal"])


def test_the_notice_lists_who_is_summoned_and_whom_to_tell_of_apologies(
        app, make, sec, group, meeting):
    day = oslo(meeting.starts_at).date()
    chair = make.user(Role.BOARD, name="Marit Sand")
    make.seat(group, "Marit Sand", role=GroupRole.CHAIR, user_=chair,
              member_=make.member("Asker"))
    make.seat(group, "Per Olsen", role=GroupRole.MEMBER, member_=make.member("Bærum"))
    secretary = make.user(Role.SECRETARIAT, name="Kari Sekretær",
                          email="kari@osloregionen.test")
    make.seat(group, "Kari Sekretær", role=GroupRole.SECRETARY, user_=secretary)
    make.seat(group, "Ny Senere", term_start=day + timedelta(days=1))
    ended = make.seat(group, "Gikk Ut")
    meetings.end_membership(sec, ended, day - timedelta(days=1))
    db.session.commit()

    text = text_of(storage.read(publish(sec, meeting).storage_key))

    with force_locale("nb"):
        role = {r: str(label).lower() for r, label in GROUP_ROLE_LABELS.items()}
    assert_in_order(text, [
        nb("Summoned"), f"Marit Sand, {role[GroupRole.CHAIR]} (Asker)",
        f"Per Olsen, {role[GroupRole.MEMBER]} (Bærum)",
        f"Kari Sekretær, {role[GroupRole.SECRETARY]}",
        nb("Apologies for absence to %(contact)s as soon as possible.",
           contact="Kari Sekretær (kari@osloregionen.test)"),
        nb("Agenda")])
    assert "Ny Senere" not in text and "Gikk Ut" not in text


def test_the_notice_tells_apologies_to_the_configured_contact(app, make, sec, meeting):
    app.config["APOLOGIES_TO"] = "sekretariatet, post@osloregionen.test"
    text = text_of(storage.read(publish(sec, meeting).storage_key))
    assert nb("Apologies for absence to %(contact)s as soon as possible.",
              contact="sekretariatet, post@osloregionen.test") in text


def test_time_and_place_are_label_value_pairs_in_the_tagged_pdf(app, make, sec, meeting):
    agenda.edit_meeting(sec, meeting, lock_version=meeting.lock_version,
                        starts_at=meeting.starts_at, ends_at=None, place="Oslo rådhus",
                        video_url="https://video.example.test/styret")
    db.session.commit()
    notice = storage.read(publish(sec, meeting).storage_key)
    # Time, place and video link: three rows of a label (row header) and its value,
    # not six loose list items.
    assert _struct_rows(notice) == [["/TH", "/TD"]] * 3


def test_the_minutes_name_the_meeting_leader_and_the_minute_taker(
        app, make, sec, group, meeting):
    from decisions.proposals.labels import POSITION_LABELS
    from decisions.proposals.models import PositionKind

    make.seat(group, "Ola Leder", role=GroupRole.CHAIR)
    make.seat(group, "Kari Sekretær", role=GroupRole.SECRETARY)
    asker, hurdal = make.member("Asker"), make.member("Hurdal")
    round_ = make.round_(sec, [asker, hurdal, make.member("Frogn")])
    make.position(sec, round_, asker, PositionKind.RESERVATION, comment="Med merknad.")
    make.position(sec, round_, hurdal, PositionKind.STAND_ASIDE, comment="Berører oss ikke.")
    make.item(sec, meeting, "Ladestrategi", proposal=round_.proposal)
    publish(sec, meeting)
    make.held(sec, meeting)
    assert (meeting.meeting_leader, meeting.minute_taker) == ("Ola Leder", "Kari Sekretær")
    minutes_acts.set_minutes_officers(sec, meeting, meeting_leader="Nestleder Nils",
                                      minute_taker="Kari Sekretær")
    db.session.commit()

    minutes = storage.read(_approve_by_next_meeting(make, sec, meeting).storage_key)

    text = text_of(minutes)
    assert_in_order(text, [nb("Time"), nb("Place"), nb("Meeting leader"), "Nestleder Nils",
                           nb("Minute-taker"), "Kari Sekretær", nb("Attendance")])
    with force_locale("nb"):
        reservation = str(POSITION_LABELS[PositionKind.RESERVATION])
        stand_aside = str(POSITION_LABELS[PositionKind.STAND_ASIDE])
    assert_in_order(text, [nb("Protocol entries"), f"{reservation}, Asker", "Med merknad.",
                           f"{stand_aside}, Hurdal", "Berører oss ikke."])
    assert _struct_rows(minutes) == [["/TH", "/TD"]] * 4
