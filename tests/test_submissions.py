"""The same form posted twice saves once (a nonce claimed under a unique constraint),
and two people changing the same line of attendance conflict instead of overwriting."""

import threading
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from decisions.meetings import agenda, minutes, queries
from decisions.meetings.models import (
    ActionItem,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Meeting,
    ProtocolEntry,
)
from decisions.proposals.models import ObjectionEntry, PositionKind, Proposal
from decisions.submissions import FormSubmission
from decisions.sweep import sweep

HTMX = {"HX-Request": "true"}


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def _nonce(html: str, action: str | None) -> str:
    """The nonce of the form posting to `action` (None: to its own page) on a page."""
    form = BeautifulSoup(html, "html.parser").find("form", attrs={"action": action})
    assert form is not None, f"no form posting to {action}"
    field = form.find("input", attrs={"name": "form_nonce"})
    assert field is not None and len(field["value"]) >= 32, f"{action} carries no nonce"
    return field["value"]


@pytest.fixture
def sec(make):
    return make.user(Role.SECRETARIAT)


def _held(make, sec) -> Meeting:
    meeting = make.meeting(make.group("Styret"))
    agenda.publish_notice(sec, meeting)
    make.held(sec, meeting)
    db.session.commit()
    return meeting


def test_a_new_proposal_posted_twice_is_saved_once_and_the_second_post_leads_to_it(
        app, make, sec, client):
    area = make.area()
    make.login(client, sec)
    nonce = _nonce(client.get("/proposals/new").text, None)  # posts to its own address
    form = {"title": "Felles innkjøp av ladere", "area": area.id,
            "resolution": "Vi kjøper inn sammen.", "background": "", "form_nonce": nonce}

    first = client.post("/proposals/new", data=form)
    second = client.post("/proposals/new", data=form)

    assert first.status_code == second.status_code == 303
    assert _count(Proposal) == 1
    proposal = db.session.scalars(select(Proposal)).one()
    assert second.headers["Location"] == first.headers["Location"] == f"/proposals/{proposal.id}"
    assert "allerede sendt" in client.get(second.headers["Location"]).text


def test_two_new_proposals_from_two_loads_of_the_form_are_both_saved(app, make, sec, client):
    area = make.area()
    make.login(client, sec)
    for title in ("Første", "Andre"):
        nonce = _nonce(client.get("/proposals/new").text, None)
        client.post("/proposals/new", data={"title": title, "area": area.id,
                                            "resolution": "Vedtak.", "form_nonce": nonce})
    assert _count(Proposal) == 2


def test_a_meeting_planned_twice_by_a_double_click_is_planned_once(app, make, sec, client):
    group = make.group("Styret")
    make.login(client, sec)
    page = client.get(f"/groups/{group.id}/meetings/new").text
    form = {"starts_at": "2026-04-14T10:00", "place": "Oslo rådhus",
            "form_nonce": _nonce(page, None)}
    first = client.post(f"/groups/{group.id}/meetings/new", data=form)
    second = client.post(f"/groups/{group.id}/meetings/new", data=form)
    assert _count(Meeting) == 1
    assert second.headers["Location"] == first.headers["Location"]


def test_an_agenda_item_an_entry_and_an_action_are_each_added_once_when_resent(
        app, make, sec, client):
    meeting = _held(make, sec)
    before_items = _count(AgendaItem)
    make.login(client, sec)
    item = queries.active_items(db.session.get(Meeting, meeting.id))[1]

    minutes_page = client.get(f"/meetings/{meeting.id}/minutes").text
    entry = {"kind": "dissent", "member": 0, "text": "Dissens fra Ås.",
             "form_nonce": _nonce(minutes_page, f"/items/{item.id}/entries")}
    action = {"description": "Sende brev", "owner": "Sekretariatet",
              "form_nonce": _nonce(minutes_page, f"/items/{item.id}/actions")}
    for _ in range(2):
        client.post(f"/items/{item.id}/entries", data=entry, headers=HTMX)
        again = client.post(f"/items/{item.id}/actions", data=action, headers=HTMX)
    assert "allerede sendt" in again.text
    assert _count(ProtocolEntry) == 1
    assert _count(ActionItem) == 1

    planned = make.meeting(make.group("Koordineringsgruppen"))
    page = client.get(f"/meetings/{planned.id}").text
    new_item = {"kind": "orientation", "title": "Orientering", "proposal": 0,
                "form_nonce": _nonce(page, f"/meetings/{planned.id}/items")}
    first = client.post(f"/meetings/{planned.id}/items", data=new_item, headers=HTMX)
    again = client.post(f"/meetings/{planned.id}/items", data=new_item, headers=HTMX)
    assert first.status_code == 200
    assert "allerede sendt" in again.text
    titles = [i.title for i in queries.active_items(db.session.get(Meeting, planned.id))]
    assert titles.count("Orientering") == 1
    assert _count(AgendaItem) > before_items


def test_an_answer_to_an_objection_resent_is_recorded_once(app, make, sec, client):
    members = make.members(2)
    rep = make.representative(members[0])
    round_ = make.round_(sec, members)
    make.position(rep, round_, members[0], PositionKind.OBJECT)
    make.login(client, sec)
    action = f"/rounds/{round_.id}/members/{members[0].id}/answer"
    form = {"text": "Vi endrer punkt 2.",
            "form_nonce": _nonce(client.get(f"/rounds/{round_.id}").text, action)}
    client.post(action, data=form)
    again = client.post(action, data=form)
    assert again.status_code == 422 and "allerede sendt" in again.text
    assert _count(ObjectionEntry) == 1


def test_a_refused_save_gives_its_nonce_back_so_the_corrected_form_is_saved(
        app, make, sec, client):
    meeting = _held(make, sec)
    make.login(client, sec)
    nonce = _nonce(client.get(f"/meetings/{meeting.id}/minutes").text,
                   f"/meetings/{meeting.id}/attendance")
    lines = _count(Attendance)
    # A deputy without whom they stand in for is refused by the service, after the claim.
    refused = client.post(f"/meetings/{meeting.id}/attendance", headers=HTMX, data={
        "person_name": "Vara Varasen", "status": "deputy", "form_nonce": nonce})
    assert "Oppgi hvem vararepresentanten møter for" in refused.text
    assert _count(Attendance) == lines
    saved = client.post(f"/meetings/{meeting.id}/attendance", headers=HTMX, data={
        "person_name": "Vara Varasen", "status": "deputy", "stands_in_for": "Ola Ordfører",
        "form_nonce": nonce})
    assert saved.status_code == 200 and "Oppmøtet er lagret" in saved.text
    assert _count(Attendance) == lines + 1


def test_the_same_form_posted_at_the_same_moment_from_two_tabs_is_saved_once(
        app, make, sec):
    area = make.area()
    app.config["WTF_CSRF_ENABLED"] = False  # test_csrf.py covers the tokens
    tabs = [app.test_client() for _ in range(4)]
    for tab in tabs:
        make.login(tab, sec)
    form = {"title": "Samtidig", "area": area.id, "resolution": "Vedtak.",
            "form_nonce": "samme-skjema-" + "x" * 24}
    barrier = threading.Barrier(len(tabs))
    statuses: list[int] = []

    def post(tab) -> None:
        with app.app_context():
            barrier.wait()
            statuses.append(tab.post("/proposals/new", data=form).status_code)

    threads = [threading.Thread(target=post, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [303] * len(tabs)
    assert _count(Proposal) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.act == "proposal.created")) == 1


def test_claims_older_than_a_week_are_forgotten_by_the_sweep(app, make, sec, client, clock):
    area = make.area()
    make.login(client, sec)
    client.post("/proposals/new", data={"title": "Gammel", "area": area.id,
                                        "resolution": "Vedtak.", "form_nonce": "a" * 32})
    assert _count(FormSubmission) == 1
    clock.set(clock.moment + timedelta(days=6))
    assert sweep().forgotten == 0
    clock.set(clock.moment + timedelta(days=2))
    assert sweep().forgotten == 1
    assert _count(FormSubmission) == 0


# --- Attendance lines carry a version --------------------------------------------------

def test_two_secretaries_changing_one_line_of_attendance_the_second_sees_a_conflict(
        app, make, sec):
    meeting = _held(make, sec)
    line = minutes.set_attendance(sec, meeting, person_name="Kari Nordmann",
                                  status=AttendanceStatus.PRESENT)
    db.session.commit()
    other = make.user(Role.SECRETARIAT)
    app.config["WTF_CSRF_ENABLED"] = False  # test_csrf.py covers the tokens
    first, second = app.test_client(), app.test_client()
    make.login(first, sec)
    make.login(second, other)
    loaded = [BeautifulSoup(c.get(f"/meetings/{meeting.id}/minutes").text, "html.parser")
              for c in (first, second)]
    versions = [page.find("form", attrs={"action": f"/attendance/{line.id}"})
                .find("input", attrs={"name": "lock_version"})["value"] for page in loaded]
    base = {"person_name": "Kari Nordmann", "note": "", "stands_in_for": ""}

    saved = first.post(f"/attendance/{line.id}", headers=HTMX,
                       data={**base, "status": "apologies", "lock_version": versions[0]})
    clash = second.post(f"/attendance/{line.id}", headers=HTMX,
                        data={**base, "status": "other", "note": "Kom sent",
                              "lock_version": versions[1]})

    assert saved.status_code == 200 and "Oppmøtet er lagret" in saved.text
    # htmx swaps the section in place (a 200): the message and the line as saved now.
    assert "Noen andre endret denne linjen" in clash.text
    assert "Kom sent" not in clash.text
    db.session.rollback()
    stored = db.session.get(Attendance, line.id)
    assert stored.status == AttendanceStatus.APOLOGIES and stored.note == ""
    changes = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.act == "minutes.attendance_set"))
    assert changes == 2  # the line's creation and the first change; not the refused one
