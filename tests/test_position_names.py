"""One name for each position kind: the board, the decision in the register (signed in
and public), the agenda, the minutes (draft and public) and the forms all call a
position what proposals/labels.py calls it, in both languages."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from flask import url_for
from flask_babel import force_locale
from sqlalchemy import select

from decisions.accounts.models import Role
from decisions.clock import now
from decisions.extensions import db
from decisions.meetings import agenda, minutes
from decisions.meetings.labels import ENTRY_LABELS
from decisions.meetings.models import EntryKind, GroupRole
from decisions.proposals.labels import POSITION_LABELS
from decisions.proposals.models import PositionKind
from decisions.register.models import Decision

NOTED = (PositionKind.RESERVATION, PositionKind.STAND_ASIDE)
# Names these kinds had somewhere before they had one (minutes, PDFs, public pages).
OTHER_NAMES = {"nb": ("Forbehold", "Står utenfor"), "en": ("Reservation,", "Stands aside")}


def test_a_protocol_entry_of_a_position_has_the_positions_name(app):
    for lang in ("nb", "en"):
        with force_locale(lang):
            assert str(ENTRY_LABELS[EntryKind.RESERVATION]) == str(
                POSITION_LABELS[PositionKind.RESERVATION])
            assert str(ENTRY_LABELS[EntryKind.STAND_ASIDE]) == str(
                POSITION_LABELS[PositionKind.STAND_ASIDE])


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_page_calls_each_position_by_its_one_name(app, make, client, lang):
    sec = make.user(Role.SECRETARIAT)
    chair = make.user(Role.BOARD)
    group = make.group("Styret")
    make.seat(group, chair.name, role=GroupRole.CHAIR, user_=chair)
    asker, hurdal = make.member("Asker"), make.member("Hurdal")
    round_ = make.round_(sec, [asker, hurdal])
    make.position(sec, round_, asker, PositionKind.RESERVATION, comment="Med merknad.")
    make.position(sec, round_, hurdal, PositionKind.STAND_ASIDE)
    decision = db.session.scalar(select(Decision).where(
        Decision.proposal_id == round_.proposal_id))
    meeting = make.meeting(group, starts_at=now() + timedelta(hours=1))
    item = make.item(sec, meeting, "Felles innkjøp", proposal=round_.proposal)
    agenda.publish_notice(sec, meeting)
    make.held(sec, meeting)
    minutes.save_item_minutes(sec, item, lock_version=item.lock_version, notes="",
                              decision_text="Vedtatt.")
    db.session.commit()
    with app.test_request_context():
        urls = {
            "board": url_for("proposals.board", id=round_.id),
            "round": url_for("proposals.round", id=round_.id),
            "register": url_for("register.show", year=decision.year, number=decision.number),
            "public decision": url_for("public.decision", year=decision.year,
                                       number=decision.number),
            "agenda": url_for("meetings.meeting", id=meeting.id),
            "draft minutes": url_for("meetings.minutes", id=meeting.id),
        }
    with force_locale(lang):
        names = [str(POSITION_LABELS[kind]) for kind in NOTED]
    make.login(client, sec)
    with app.test_request_context():
        client.post(url_for("accounts.language"), data={"lang": lang})

    def text(url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, url
        return " ".join(BeautifulSoup(response.text, "html.parser").get_text().split())

    pages = {name: text(url) for name, url in urls.items()}
    minutes.approve_minutes(chair, meeting)
    db.session.commit()
    with app.test_request_context():
        pages["public minutes"] = text(url_for("public.minutes", id=meeting.id))

    for page, content in pages.items():
        for name in names:
            assert name in content, f"{name!r} missing on the {page} page"
        for other in OTHER_NAMES[lang]:
            assert other not in content, f"{other!r} on the {page} page"
