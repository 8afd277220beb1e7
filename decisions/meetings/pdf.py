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
attachments as uploaded.

WeasyPrint fetches nothing but the app's own static files: the HTML is given a
`StaticOnlyFetcher`, which maps URLs under the static URL path of a host that never
resolves to files in the static folder and refuses every other URL (network, file://,
data:, paths outside static/). The fetcher must be given to `HTML(...)`: given to
write_pdf() it would be silently ignored.
"""

import io
import logging
import mimetypes
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

from decisions.clock import now, oslo
from decisions.files import pdfclean, storage
from decisions.meetings import queries, services
from decisions.meetings.labels import (
    ABSENCE_LABELS,
    ENTRY_LABELS,
    GROUP_ROLE_LABELS,
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


def _render(template: str, meeting: Meeting, *, kind: str, **context) -> bytes:
    """Renders `template` in bokmål and writes it as PDF/A (2a, else 2b)."""
    app = current_app
    day = _short_day(meeting)
    html = render_template(
        template, meeting=meeting, kind=kind, day=day, when=_when(meeting),
        title=_document_title(kind, meeting),
        alliance=app.config["ALLIANCE_NAME"], created=now().isoformat(timespec="seconds"),
        stylesheet=f"{ORIGIN}{app.static_url_path}/css/pdf.css",
        page_of_pages=page_of_pages_css(), item_label=item_label,
        item_heading=item_heading, item_kinds=ITEM_KIND_LABELS, format_day=_format_day,
        roles=GROUP_ROLE_LABELS,
        **context)
    return write_pdf(html)


def write_pdf(html: str) -> bytes:
    """Lays `html` out once, fetching only static files, and writes it as PDF/A."""
    document = HTML(string=html, base_url=f"{ORIGIN}/", url_fetcher=static_fetcher()) \
        .render(pdf_variant=PREFERRED_VARIANT)
    try:
        return document.write_pdf(pdf_variant=PREFERRED_VARIANT)
    except Exception:
        log.warning("PDF/A-2a failed; writing PDF/A-2b instead", exc_info=True)
        return document.write_pdf(pdf_variant=FALLBACK_VARIANT)


def notice_data(meeting: Meeting) -> dict:
    """Everything the notice shows beyond the meeting row, read in one place (in the
    transaction, before rendering): the agenda; where each linked proposal stands, from
    the same function as the web agenda; who is summoned (the seats whose term covers
    the meeting day); and whom to tell of apologies."""
    items = services.active_items(meeting)
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


def notice_pdf(meeting: Meeting) -> bytes:
    """The notice (møteinnkalling): time and place, who is summoned, the agenda and
    the case papers."""
    with force_locale(DOCUMENT_LANGUAGE):
        if meeting.notice_revision > 1:
            kind = _("Revised notice of meeting (revision %(n)s)",
                           n=meeting.notice_revision)
        else:
            kind = _("Notice of meeting")
        return _render("pdf/notice.html", meeting, kind=kind, **notice_data(meeting))


def minutes_pdf(meeting: Meeting, by_item: AgendaItem | None = None) -> bytes:
    """The minutes (protokoll): attendance, and per item notes, decision and entries.
    `by_item` is the item of a later meeting that approved them, if not the chair."""
    with force_locale(DOCUMENT_LANGUAGE):
        people = {status: [a for a in meeting.attendance if a.status == status]
                  for status in AttendanceStatus}
        return _render("pdf/minutes.html", meeting, kind=_("Minutes"),
                       items=services.active_items(meeting), people=people,
                       statuses=AttendanceStatus, entry_kinds=ENTRY_LABELS,
                       absence_kinds=ABSENCE_LABELS,
                       approval=_approval_line(meeting, by_item))


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
    """The notice followed by every attachment, with a bookmark per item (at its case
    presentation in the notice) and per attachment (at its first page). Not PDF/A."""
    with force_locale(DOCUMENT_LANGUAGE):
        items = services.active_items(meeting)
        notice_reader = PdfReader(io.BytesIO(notice))
        pages = _outline_pages(notice_reader)
        writer = PdfWriter()
        writer.append(notice_reader, import_outline=False)
        for item in items:
            heading = item_heading(item)
            parent = writer.add_outline_item(title=heading, page_number=pages.get(heading, 0))
            for n, attachment in enumerate(item.attachments, start=1):
                first_page = len(writer.pages)
                writer.append(PdfReader(io.BytesIO(storage.read(attachment.storage_key))),
                              import_outline=False)
                writer.add_outline_item(title=attachment_bookmark(item, n, attachment.title),
                                        page_number=first_page, parent=parent)
        writer.add_metadata({"/Title": _document_title(_("Meeting pack"), meeting),
                             "/Author": current_app.config["ALLIANCE_NAME"]})
        writer._root_object[NameObject("/Lang")] = TextStringObject(DOCUMENT_LANGUAGE)
        writer.page_mode = "/UseOutlines"
        pdfclean.strip_active_content(writer)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


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
