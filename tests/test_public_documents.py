"""Public PDFs: publishing a notice and approving minutes store a public (redacted)
version beside the members' one, with its hash, served without login; exempt items show
only their number and legal basis; a command renders what is missing for documents
published before, and never renders the members' version again."""

import hashlib
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select

from decisions.accounts.models import Role
from decisions.clock import now
from decisions.extensions import db
from decisions.files import storage
from decisions.meetings import agenda, minutes, queries
from decisions.meetings.models import DocumentKind, GroupRole, MeetingDocument
from tests import factories as make

BASIS = "Offl. § 13, jf. fvl. § 13 første ledd nr. 2"
SECRET_TITLE = "Tilsetting av daglig leder"
SECRET_TEXT = "Vurdering av søkerne Hemmelighetsen og Skjultesen"


@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT)


@pytest.fixture
def meeting(app, make, sec):
    group = make.group("Styret", public_meetings=True)
    meeting = agenda.plan_meeting(sec, group, starts_at=now() + timedelta(days=14),
                                  place="Oslo rådhus")
    make.item(sec, meeting, title="Regional transportplan", background="Saken drøftes.")
    make.item(sec, meeting, title=SECRET_TITLE, background=SECRET_TEXT, exempt_basis=BASIS)
    db.session.commit()
    return meeting


def _approved(sec, clock, meeting):
    chair = make.user(Role.BOARD)
    make.seat(meeting.group, person_name=chair.name, role=GroupRole.CHAIR, user_=chair)
    agenda.publish_notice(sec, meeting)
    db.session.commit()
    clock.set(meeting.starts_at + timedelta(hours=3))
    minutes.mark_held(sec, meeting)
    for item in queries.active_items(meeting):
        minutes.save_item_minutes(sec, item, lock_version=item.lock_version,
                                  notes=SECRET_TEXT if item.exempt else "Drøftet.",
                                  decision_text="Vedtatt.")
    db.session.commit()
    minutes.approve_minutes(chair, meeting)
    db.session.commit()
    return meeting


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_publishing_a_notice_stores_a_public_notice_served_without_login(
        client, sec, meeting):
    agenda.publish_notice(sec, meeting)
    db.session.commit()

    document = queries.latest_document(meeting, DocumentKind.PUBLIC_NOTICE)
    members = queries.latest_document(meeting, DocumentKind.NOTICE)
    response = client.get(f"/public/meetings/{meeting.id}/notice.pdf")

    assert document is not None and document.storage_key != members.storage_key
    assert document.revision == members.revision == 1
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert hashlib.sha256(response.data).hexdigest() == document.sha256
    assert client.get(f"/meetings/{meeting.id}/documents/notice.pdf").status_code != 200


def test_approving_minutes_stores_public_minutes_served_without_login(
        client, sec, clock, meeting):
    _approved(sec, clock, meeting)

    document = queries.latest_document(meeting, DocumentKind.PUBLIC_MINUTES)
    response = client.get(f"/public/meetings/{meeting.id}/minutes.pdf")

    assert document is not None
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == document.sha256
    assert f"/public/meetings/{meeting.id}/minutes.pdf" in client.get(
        f"/public/minutes/{meeting.id}").text


def test_unapproved_minutes_and_notices_of_private_groups_are_not_served(
        client, make, sec, meeting):
    private = make.group("Faggruppe")
    other = agenda.plan_meeting(sec, private, starts_at=now() + timedelta(days=7))
    make.item(sec, other)
    agenda.publish_notice(sec, other)
    agenda.publish_notice(sec, meeting)
    db.session.commit()

    assert client.get(f"/public/meetings/{other.id}/notice.pdf").status_code == 404
    assert client.get(f"/public/meetings/{meeting.id}/minutes.pdf").status_code == 404
    assert client.get(f"/public/meetings/{meeting.id}/pack.pdf").status_code == 404


def test_the_command_renders_missing_public_documents_and_leaves_the_members_ones(
        runner, sec, clock, meeting):
    _approved(sec, clock, meeting)
    db.session.execute(delete(MeetingDocument).where(MeetingDocument.kind.in_(
        [DocumentKind.PUBLIC_MINUTES, DocumentKind.PUBLIC_NOTICE])))
    db.session.commit()
    before = {(d.kind, d.id, d.sha256) for d in db.session.scalars(select(MeetingDocument))}

    first = runner.invoke(args=["meetings", "render-public"])
    second = runner.invoke(args=["meetings", "render-public"])

    documents = db.session.scalars(select(MeetingDocument)).all()
    assert first.exit_code == 0, first.output
    assert {(d.kind, d.id, d.sha256) for d in documents
            if d.kind in (DocumentKind.NOTICE, DocumentKind.PACK, DocumentKind.MINUTES)
            } == before
    assert sorted(d.kind for d in documents if d.kind.startswith("public")) == [
        DocumentKind.PUBLIC_MINUTES, DocumentKind.PUBLIC_NOTICE]
    assert "2" in first.output and "0" in second.output


@pytest.mark.real_pdf
def test_the_public_pdfs_show_an_exempt_item_by_number_and_basis_only(
        sec, clock, meeting):
    _approved(sec, clock, meeting)
    public_notice = storage.read(
        queries.latest_document(meeting, DocumentKind.PUBLIC_NOTICE).storage_key)
    public_minutes = storage.read(
        queries.latest_document(meeting, DocumentKind.PUBLIC_MINUTES).storage_key)
    members_notice = storage.read(
        queries.latest_document(meeting, DocumentKind.NOTICE).storage_key)

    for data in (public_notice, public_minutes):
        text = _text(data)
        assert "Regional transportplan" in text
        assert BASIS in text and "Unntatt offentlighet" in text
        assert SECRET_TITLE not in text and "Hemmelighetsen" not in text
        assert PdfReader(io.BytesIO(data)).xmp_metadata is not None  # PDF/A, as the members'
    assert SECRET_TITLE in _text(members_notice)
