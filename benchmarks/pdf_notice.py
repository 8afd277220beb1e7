"""Times the notice PDF of a 20-item meeting in a warm process; prints time and pages.

    .venv/bin/python benchmarks/pdf_notice.py [--database sqlite:////tmp/x.sqlite]
                                               [--repeat 5]

Without --database it makes a fresh SQLite database in a temporary directory under
/tmp (removed afterwards), migrates it and fills it through the services, as the app
would. A --database must be empty: it is migrated and filled.
"""

import argparse
import io
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from pypdf import PdfReader, PdfWriter  # noqa: E402

from decisions import create_app  # noqa: E402
from decisions.accounts.models import Role  # noqa: E402
from decisions.accounts.services import create_user  # noqa: E402
from decisions.extensions import db  # noqa: E402
from decisions.files.services import add_attachment  # noqa: E402
from decisions.meetings import agenda, queries, services  # noqa: E402
from decisions.meetings.models import GroupKind, ItemKind  # noqa: E402

ITEMS = 20
BACKGROUND = "\n\n".join([
    "Styret drøftet saken i forrige møte og ba sekretariatet om å utrede hvordan "
    "kommunene kan samordne arbeidet med regional areal- og transportplan, klimatiltak "
    "og næringsutvikling, med vekt på felles kunnskapsgrunnlag og ansvarsdeling.",
    "Sekretariatet har hatt dialog med delregionene og fylkeskommunen. Innspillene viser "
    "bred støtte til et felles opplegg, men flere kommuner peker på behovet for å "
    "avklare finansiering og kapasitet før arbeidet settes i gang.",
    "- Kunnskapsgrunnlag for 2026\n- Samordning med fylkeskommunen\n"
    "- Rapportering til representantskapet",
    "Saken legges fram for vedtak med forslag om at sekretariatet får i oppdrag å "
    "utarbeide en plan for gjennomføring innen utgangen av året.",
])


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_items(secretariat, meeting, items: int) -> None:
    """Fill the agenda up to `items` items, each with a long case presentation and every
    other one with a 3-page attachment (also used by bench.py)."""
    for n in range(items - len(queries.active_items(meeting))):
        item = agenda.add_item(
            secretariat, meeting, kind=ItemKind.DECISION,
            title=f"Regional samordning, delprosjekt {n + 1}",
            case_officer="Kari Nordmann",
            proposed_resolution="Styret slutter seg til sekretariatets forslag og ber om "
                                "en statusrapport i neste møte.",
            background=BACKGROUND)
        if n % 2 == 0:
            add_attachment(secretariat, data=blank_pdf(3), filename=f"notat-{n + 1}.pdf",
                           title=f"Notat {n + 1}", item=item)


def build_meeting():
    secretariat = create_user(None, email="bench@example.test", name="Sekretariatet",
                              role=Role.SECRETARIAT, password=secrets.token_urlsafe())
    group = services.create_group(None, name="Styret", kind=GroupKind.BOARD)
    meeting = agenda.plan_meeting(
        None, group, starts_at=datetime(2026, 3, 17, 9, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 17, 12, 0, tzinfo=UTC), place="Oslo rådhus",
        video_url="https://video.example.test/styret")
    add_items(secretariat, meeting, ITEMS)
    agenda.publish_notice(secretariat, meeting)
    db.session.commit()
    return meeting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="samraad-bench-", dir="/tmp"))
    url = args.database or f"sqlite:///{workdir / 'bench.sqlite'}"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, FILE_STORAGE=str(workdir / "files"))
    try:
        pages, pack_pages, imported, timings, pack_time, size = measure(app, args.repeat)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"database: {url}")
    print(f"weasyprint import: {imported:.2f} s")
    print(f"notice of a {ITEMS}-item meeting, warm, {args.repeat} runs: "
          f"median {statistics.median(timings):.3f} s, min {min(timings):.3f} s, "
          f"max {max(timings):.3f} s; {pages} pages, {size // 1024} KiB")
    print(f"meeting pack: {pack_time:.3f} s; {pack_pages} pages")


def measure(app, repeat: int):
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        from decisions.meetings import pdf  # the import is part of a cold start only

        imported = time.perf_counter() - started
        meeting = build_meeting()  # publishes: renders notice and pack once (warm-up)
        assert len(queries.active_items(meeting)) == ITEMS
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            data = pdf.notice_pdf(meeting)
            timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        pack = pdf.meeting_pack(meeting, data)
        pack_time = time.perf_counter() - started
        pages = len(PdfReader(io.BytesIO(data)).pages)
        pack_pages = len(PdfReader(io.BytesIO(pack)).pages)
        db.session.remove()
        db.engine.dispose()
    return pages, pack_pages, imported, timings, pack_time, len(data)


if __name__ == "__main__":
    main()
