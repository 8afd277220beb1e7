"""The register as data: the decision register and the public minutes list as CSV and
JSON, the rows the page lists with its filters, CSV cells never formulas."""

import csv
import io
from datetime import timedelta

import pytest

from decisions.accounts.models import Role
from decisions.clock import now
from decisions.extensions import db
from decisions.proposals.models import Procedure
from decisions.register.models import Decision
from tests.test_public_documents import _approved


def _decision(make, year, number, title):
    author = make.user(Role.SECRETARIAT)
    round_ = make.round_(author, [make.member()])
    decision = Decision(year=year, number=number, round_id=round_.id,
                        proposal_id=round_.proposal_id, title=title, resolution="Vedtatt.",
                        procedure=Procedure.CONSENT, adopted_at=now())
    db.session.add(decision)
    db.session.commit()
    return decision


def _csv(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))


@pytest.fixture
def signed_in(app, make, client):
    make.login(client, make.user(Role.SECRETARIAT))
    return client


def test_the_register_downloads_what_its_filters_list(make, signed_in):
    _decision(make, 2026, 1, "Felles ladestrategi")
    _decision(make, 2026, 2, "=HYPERLINK(\"http://evil\")")

    every = _csv(signed_in.get("/decisions/decisions.csv"))
    found = signed_in.get("/decisions/decisions.json?q=ladestrategi").get_json()

    assert sorted(r["reference"] for r in every) == ["2026/001", "2026/002"]
    assert "'=HYPERLINK(\"http://evil\")" in [r["title"] for r in every]
    assert [r["title"] for r in found["data"]] == ["Felles ladestrategi"]
    assert 'href="/decisions/decisions.csv?q=lade' in signed_in.get(
        "/decisions/?q=lade").text


def test_the_register_download_needs_a_login(client):
    assert client.get("/decisions/decisions.csv").status_code in (302, 303, 401)


def test_the_public_minutes_list_downloads_with_its_group_filter(
        client, make, clock):
    sec = make.user(Role.SECRETARIAT)
    from_meeting = []
    for name in ("Styret", "Representantskapet"):
        group = make.group(name, public_meetings=True)
        meeting = make.meeting(group, starts_at=now() + timedelta(days=1))
        make.item(sec, meeting)
        from_meeting.append(_approved(sec, clock, meeting))
        clock.set(now() + timedelta(days=1))

    every = _csv(client.get("/public/minutes.csv"))
    one = client.get(f"/public/minutes.json?group={from_meeting[0].group_id}").get_json()

    assert sorted(r["group"] for r in every) == ["Representantskapet", "Styret"]
    assert all(r["pdf"].endswith("/minutes.pdf") for r in every)
    assert [r["group"] for r in one["data"]] == ["Styret"]
