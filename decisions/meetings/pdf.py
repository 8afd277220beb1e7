"""Notice, meeting pack and minutes as archival PDFs (WeasyPrint). Placeholder until
the templates land."""

from decisions.meetings.models import Meeting


def notice_pdf(meeting: Meeting) -> bytes:
    raise NotImplementedError


def meeting_pack(meeting: Meeting, notice: bytes) -> bytes:
    raise NotImplementedError


def minutes_pdf(meeting: Meeting) -> bytes:
    raise NotImplementedError
