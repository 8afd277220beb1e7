"""Notice, meeting pack and minutes as archival PDFs, rendered with WeasyPrint from
templates/pdf/ in the alliance's language (bokmål), whatever the viewer's.

PDF/A: the notice and the minutes are written as PDF/A-2a, the tagged variant, because
it serves the archive and universal design alike (DESIGN, "Meetings"). Should
WeasyPrint fail to write a document as PDF/A-2a, that document is written as PDF/A-2b
(same archive level, untagged) from the same layout, and a warning is logged. With
WeasyPrint 70 every document in the tests is written as 2a.

The meeting pack (the notice with every attachment appended) is NOT PDF/A: the
attachments are third-party PDFs whose fonts, colours and structure cannot be vouched
for, so the pack claims no conformance. The archival records are the notice and the
attachments as uploaded. The pack is built on the tagged notice itself, so the pack's
own pages (the notice at its start) keep their structure tree; the attachments' pages
come in untagged (pypdf does not merge structure trees), as the accessibility
statement says.

Rendering is the slow part of publishing (seconds), so it never runs inside a
transaction: the services freeze what a document shows into plain data first
(`NoticeSnapshot`, `Frozen`: the HTML, the attachments' stored files), and the
functions here that write PDFs from a snapshot read nothing from the database.

WeasyPrint fetches nothing but the app's own static files: the HTML is given a
`StaticOnlyFetcher`, which maps URLs under the static URL path of a host that never
resolves to files in the static folder and refuses every other URL (network, file://,
data:, paths outside static/). The fetcher must be given to `HTML(...)`: given to
write_pdf() it would be silently ignored.
"""

import hashlib
import io
import logging
import mimetypes
import re
from dataclasses import dataclass
from datetime import date
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _
from markupsafe import Markup, escape
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

from decisions.clock import now, oslo
from decisions.files import pdfclean, storage
from decisions.meetings import queries
from decisions.meetings.labels import (
    ABSENCE_LABELS,
    ENTRY_LABELS,
    ITEM_KIND_LABELS,
)
from decisions.meetings.models import (
    AgendaItem,
    AttendanceStatus,
    GroupRole,
    Meeting,
)

log = logging.getLogger(__name__)

PREFERRED_VARIANT = "pdf/a-2a"
FALLBACK_VARIANT = "pdf/a-2b"
# The documents' base URL. ".invalid" never resolves (RFC 2606), and the fetcher never
# goes to the network anyway: it only maps this origin's static path to the disk.
ORIGIN = "https://samraad.invalid"
DOCUMENT_LANGUAGE = "nb"
# What a document says of when and as what it is issued ("Revised notice (revision 3)",
# the moment it was made) is filled in when it is written, so that the rest of it, the
# content, can be compared by its hash with what was published before.
KIND, CREATED = "\x00kind\x00", "\x00created\x00"

class ResourceRefused(ValueError):
    """A URL the PDF renderer may not fetch."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `ORIGIN` + the static URL path from the static folder; refuses the rest.

    Subclassing URLFetcher (rather than passing a function) keeps WeasyPrint's
    error handling, which reads attributes of the fetcher; `fetch` never calls the
    parent, so no network handler is ever used."""

    def __init__(self, static_folder: str, static_url_path: str):
        super().__init__(allowed_protocols=())
        self.root = Path(static_folder).resolve()
        self.path_prefix = static_url_path.rstrip("/") + "/"

    def fetch(self, url, headers=None):
        path = self.path_of(url)
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(),
                                  headers={"Content-Type": mimetype})

    def path_of(self, url: str) -> Path:
        parts = urlsplit(url)
        if (f"{parts.scheme}://{parts.netloc}" != ORIGIN
                or not parts.path.startswith(self.path_prefix)):
            raise ResourceRefused(f"only the app's static files are fetched, not {url!r}")
        joined = safe_join(str(self.root), unquote(parts.path[len(self.path_prefix):]))
        if joined is None:
            raise ResourceRefused(f"outside the static folder: {url!r}")
        path = Path(joined).resolve()  # a symlink must not lead out either
        if not path.is_relative_to(self.root) or not path.is_file():
            raise ResourceRefused(f"no such static file: {url!r}")
        return path


def static_fetcher() -> StaticOnlyFetcher:
    app = current_app
    return StaticOnlyFetcher(app.static_folder, app.static_url_path)


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return '"' + escaped.replace("<", "\\3C ") + '"'


def page_of_pages_css() -> Markup:
    """ "Side 3 av 7" as a CSS `content` value, the words from the catalog."""
    marker_page, marker_pages = "\x00page\x00", "\x00pages\x00"
    label = _("Page %(page)s of %(pages)s", page=marker_page, pages=marker_pages)
    parts: list[str] = []
    rest = label
    while rest:
        at = {m: rest.find(m) for m in (marker_page, marker_pages) if m in rest}
        if not at:
            parts.append(_css_string(rest))
            break
        marker = min(at, key=at.get)
        if at[marker]:
            parts.append(_css_string(rest[:at[marker]]))
        parts.append("counter(page)" if marker == marker_page else "counter(pages)")
        rest = rest[at[marker] + len(marker):]
    return Markup(" ".join(parts))  # noqa: S704 - every piece is CSS-escaped above


def item_label(item: AgendaItem) -> str:
    """ "Sak 12/26" """
    return _("Item %(ref)s", ref=item.ref) if item.ref else ""


def item_heading(item: AgendaItem) -> str:
    """ "Sak 12/26 Title": the heading and the bookmark of an item."""
    return f"{item_label(item)} {item.title}".strip()


def attachment_bookmark(item: AgendaItem, n: int, title: str) -> str:
    """ "Sak 12/26 – vedlegg 1: Title" """
    label = _("Item %(ref)s – attachment %(n)s", ref=item.ref or "", n=n)
    return f"{label}: {title}"


def _format_day(day: date) -> str:
    return format_date(day, "d. MMMM y")


def _day(meeting: Meeting) -> str:
    return format_date(oslo(meeting.starts_at).date(), "full")


def _time(meeting: Meeting) -> str:
    start = format_time(oslo(meeting.starts_at), "HH:mm")
    if meeting.ends_at is None:
        return start
    return f"{start}–{format_time(oslo(meeting.ends_at), 'HH:mm')}"


def _short_day(meeting: Meeting) -> str:
    return format_date(oslo(meeting.starts_at).date(), "dd.MM.yyyy")


def _document_title(kind: str, meeting: Meeting) -> str:
    """ "Møteinnkalling – Styret – 17.03.2026": the PDF's title in its metadata."""
    return f"{kind} – {meeting.group.name} – {_short_day(meeting)}"


def _when(meeting: Meeting) -> str:
    return _("%(day)s at %(time)s", day=_day(meeting), time=_time(meeting))


def _html(template: str, meeting: Meeting, *, kind: str, created: str,
          public: bool = False, **context) -> str:
    """The document's HTML, in the current locale. `public`: the redacted variant, in
    which an item exempt from public access shows its number and legal basis only."""
    app = current_app
    day = _short_day(meeting)
    return render_template(
        template, meeting=meeting, kind=kind, day=day, when=_when(meeting),
        title=_document_title(kind, meeting),
        alliance=app.config["ALLIANCE_NAME"], created=created,
        stylesheet=f"{ORIGIN}{app.static_url_path}/css/pdf.css",
        page_of_pages=page_of_pages_css(), item_label=item_label,
        item_heading=item_heading, item_kinds=ITEM_KIND_LABELS, format_day=_format_day,
        public=public,
        **context)


@dataclass(frozen=True)
class Frozen:
    """A document as plain data: its HTML with its kind and creation moment left open,
    and the hash of the rest (its content)."""

    source: str
    content_sha256: str

    @classmethod
    def of(cls, template: str, meeting: Meeting, **context) -> "Frozen":
        source = _html(template, meeting, kind=KIND, created=CREATED, **context)
        return cls(source, hashlib.sha256(source.encode()).hexdigest())

    def html(self, kind: str) -> str:
        created = now().isoformat(timespec="seconds")
        return self.source.replace(KIND, str(escape(kind))).replace(CREATED, created)


def _render(template: str, meeting: Meeting, *, kind: str, **context) -> bytes:
    """Renders `template` in bokmål and writes it as PDF/A (2a, else 2b)."""
    return write_pdf(Frozen.of(template, meeting, **context).html(kind))


def write_pdf(html: str) -> bytes:
    """Lays `html` out once, fetching only static files, and writes it as PDF/A; with
    PDF_RENDERER = "stub" (the tests' default) writes `stub_pdf(html)` instead."""
    if current_app.config["PDF_RENDERER"] == "stub":
        return stub_pdf(html)
    document = HTML(string=html, base_url=f"{ORIGIN}/", url_fetcher=static_fetcher()) \
        .render(pdf_variant=PREFERRED_VARIANT)
    try:
        return document.write_pdf(pdf_variant=PREFERRED_VARIANT)
    except Exception:
        log.warning("PDF/A-2a failed; writing PDF/A-2b instead", exc_info=True)
        return document.write_pdf(pdf_variant=FALLBACK_VARIANT)


# The stub's mark in its document information: the tests refuse to read such a PDF
# (tests/conftest.py), so no test can assert on what WeasyPrint did not render.
STUB_MARK = "/SamraadStubRenderer"


def stub_pdf(html: str) -> bytes:
    """The renderer of tests that are not about the PDFs (PDF_RENDERER = "stub"): one
    blank A4 page with the document's title, author and language, in milliseconds."""
    def found(pattern: str) -> str:
        match = re.search(pattern, html)
        return unescape(match.group(1)) if match else ""

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": found(r"<title>(.*?)</title>"),
                         "/Author": found(r'<meta name="author" content="([^"]*)"'),
                         STUB_MARK: "true"})
    writer._root_object[NameObject("/Lang")] = TextStringObject(
        found(r'<html lang="([^"]*)"') or DOCUMENT_LANGUAGE)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def notice_data(meeting: Meeting) -> dict:
    """Everything the notice shows beyond the meeting row, read in one place (in the
    transaction, before rendering): the agenda; where each linked proposal stands, from
    the same function as the web agenda; who is summoned (the seats whose term covers
    the meeting day); and whom to tell of apologies."""
    items = queries.active_items(meeting)
    summoned = queries.seats_on(meeting.group_id, oslo(meeting.starts_at).date())
    return {"items": items, "linked": queries.linked_proposals(items, now()),
            "summoned": summoned, "apologies_to": _apologies_to(summoned)}


def _apologies_to(summoned) -> str:
    configured = current_app.config.get("APOLOGIES_TO", "")
    if configured:
        return configured
    secretary = next((seat for seat in summoned if seat.role == GroupRole.SECRETARY), None)
    if secretary is None:
        return ""
    if secretary.user is not None:
        return f"{secretary.person_name} ({secretary.user.email})"
    return secretary.person_name


@dataclass(frozen=True)
class PackSection:
    """An item in the meeting pack: its bookmark, and its attachments as
    (storage key, bookmark) in order."""

    heading: str
    attachments: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class NoticeSnapshot:
    """Everything the notice and the pack of one revision show, frozen from the
    database: the PDFs are written from this alone, outside any transaction."""

    meeting_id: int
    revision: int
    notice: Frozen
    # The public (redacted) notice, beside the members'; derived from the same data.
    public_notice: Frozen
    sections: tuple[PackSection, ...]
    pack_title: str
    author: str
    # The notice's content and the attachments' bytes: equal hashes, equal documents.
    content_sha256: str


def public_kind(kind: str) -> str:
    """ "Møteinnkalling – offentlig versjon" """
    return _("%(kind)s – public version", kind=kind)


def _notice_kind(revision: int) -> str:
    if revision > 1:
        return _("Revised notice of meeting (revision %(n)s)", n=revision)
    return _("Notice of meeting")


def notice_snapshot(meeting: Meeting, revision: int) -> NoticeSnapshot:
    """The notice of `meeting` as it stands (items numbered as they will be), frozen."""
    with force_locale(DOCUMENT_LANGUAGE):
        data = notice_data(meeting)
        items = data["items"]
        notice = Frozen.of("pdf/notice.html", meeting, **data)
        public_notice = Frozen.of("pdf/notice.html", meeting, public=True, **data)
        sections = tuple(
            PackSection(item_heading(item), tuple(
                (attachment.storage_key, attachment_bookmark(item, n, attachment.title))
                for n, attachment in enumerate(item.attachments, start=1)))
            for item in items)
        content = hashlib.sha256(notice.content_sha256.encode())
        for item in items:
            for attachment in item.attachments:
                content.update(attachment.sha256.encode())
        return NoticeSnapshot(
            meeting_id=meeting.id, revision=revision, notice=notice,
            public_notice=public_notice, sections=sections,
            pack_title=_document_title(_("Meeting pack"), meeting),
            author=current_app.config["ALLIANCE_NAME"], content_sha256=content.hexdigest())


def render_notice(snapshot: NoticeSnapshot) -> tuple[bytes, bytes]:
    """The notice and the meeting pack of a snapshot; reads no database."""
    with force_locale(DOCUMENT_LANGUAGE):
        notice = write_pdf(snapshot.notice.html(_notice_kind(snapshot.revision)))
        return notice, _pack(snapshot, notice)


def render_public_notice(snapshot: NoticeSnapshot) -> bytes:
    """The public notice of a snapshot (no pack: the attachments of exempt items would
    be in it); reads no database."""
    with force_locale(DOCUMENT_LANGUAGE):
        return write_pdf(snapshot.public_notice.html(
            public_kind(_notice_kind(snapshot.revision))))


def notice_pdf(meeting: Meeting) -> bytes:
    """The notice (møteinnkalling): time and place, who is summoned, the agenda and
    the case papers."""
    with force_locale(DOCUMENT_LANGUAGE):
        return write_pdf(notice_snapshot(meeting, meeting.notice_revision).notice.html(
            _notice_kind(meeting.notice_revision)))


def minutes_source(meeting: Meeting, by_item: AgendaItem | None = None, *,
                   public: bool = False) -> Frozen:
    """The minutes (protokoll), frozen: attendance, and per item notes, decision and
    entries. `by_item` is the item of a later meeting that approved them, if not the
    chair. `public`: the redacted variant (exempt items by number and basis only)."""
    with force_locale(DOCUMENT_LANGUAGE):
        people = {status: [a for a in meeting.attendance if a.status == status]
                  for status in AttendanceStatus}
        return Frozen.of("pdf/minutes.html", meeting, public=public,
                         items=queries.active_items(meeting), people=people,
                         statuses=AttendanceStatus, entry_kinds=ENTRY_LABELS,
                         absence_kinds=ABSENCE_LABELS,
                         approval=_approval_line(meeting, by_item))


def render_minutes(source: Frozen) -> bytes:
    """The minutes PDF of a frozen source; reads no database."""
    with force_locale(DOCUMENT_LANGUAGE):
        return write_pdf(source.html(_("Minutes")))


def render_public_minutes(source: Frozen) -> bytes:
    """The public minutes PDF of a frozen public source; reads no database."""
    with force_locale(DOCUMENT_LANGUAGE):
        return write_pdf(source.html(public_kind(_("Minutes"))))


def minutes_pdf(meeting: Meeting, by_item: AgendaItem | None = None) -> bytes:
    return render_minutes(minutes_source(meeting, by_item))


def _approval_line(meeting: Meeting, by_item: AgendaItem | None) -> str:
    if meeting.minutes_approved_at is None:
        return ""
    day = _format_day(oslo(meeting.minutes_approved_at).date())
    if meeting.minutes_approved_by_chair:
        who = meeting.minutes_approved_by.name if meeting.minutes_approved_by else ""
        return _("Minutes approved by the chair, %(name)s, on %(date)s.",
                       name=who, date=day)
    if by_item is None:
        return _("Minutes approved on %(date)s.", date=day)
    return _("Minutes approved by the meeting of %(date)s, item %(ref)s.",
                   date=_format_day(oslo(by_item.meeting.starts_at).date()),
                   ref=by_item.ref or "")


def meeting_pack(meeting: Meeting, notice: bytes) -> bytes:
    return _pack(notice_snapshot(meeting, meeting.notice_revision), notice)


def _pack(snapshot: NoticeSnapshot, notice: bytes) -> bytes:
    """The notice followed by every attachment, with a bookmark per item (at its case
    presentation in the notice) and per attachment (at its first page). Not PDF/A.

    Built on the notice itself (`clone_from`), so the pack's own pages keep the
    notice's structure tree, MarkInfo and language; the notice's XMP metadata goes, as
    it claims a PDF/A conformance the pack does not have."""
    notice_reader = PdfReader(io.BytesIO(notice))
    pages = _outline_pages(notice_reader)
    writer = PdfWriter(clone_from=notice_reader)
    for own in ("/Outlines", "/Metadata"):  # the pack's own bookmarks follow
        if own in writer._root_object:
            del writer._root_object[own]
    for section in snapshot.sections:
        parent = writer.add_outline_item(title=section.heading,
                                         page_number=pages.get(section.heading, 0))
        for key, bookmark in section.attachments:
            first_page = len(writer.pages)
            writer.append(PdfReader(io.BytesIO(storage.read(key))), import_outline=False)
            _untag(writer.pages[first_page:])
            writer.add_outline_item(title=bookmark, page_number=first_page, parent=parent)
    writer.add_metadata({"/Title": snapshot.pack_title, "/Author": snapshot.author})
    writer._root_object[NameObject("/Lang")] = TextStringObject(DOCUMENT_LANGUAGE)
    writer.page_mode = "/UseOutlines"
    pdfclean.strip_active_content(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _untag(pages) -> None:
    """An attachment's pages point into its own structure tree, which is not merged: the
    pointers would name the notice's structure elements instead."""
    for page in pages:
        for key in ("/StructParents", "/Tabs"):
            if key in page:
                del page[key]


def _outline_pages(reader: PdfReader) -> dict[str, int]:
    """Bookmark title → page index, from the notice's own (nested) outline."""
    found: dict[str, int] = {}

    def walk(entries) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry)
            else:
                page = reader.get_destination_page_number(entry)
                if page is not None:
                    found.setdefault(str(entry.title), page)

    walk(reader.outline)
    return found
