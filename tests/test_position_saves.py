"""What a position save answers: a resend after a lost answer, and the htmx answer that
updates every part of the round page showing the changed state."""

import re

import pytest
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.proposals import services
from decisions.proposals.models import Outcome, PositionChange, PositionKind, Round

HTMX = {"HX-Request": "true"}


@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT)


def _changes() -> int:
    return db.session.scalar(select(func.count()).select_from(PositionChange))


def test_a_resent_position_that_had_closed_the_round_answers_as_saved(sec, make, client):
    asker, baerum = make.member("Asker"), make.member("Bærum")
    rep = make.representative(baerum)
    round_ = make.round_(sec, [asker, baerum])
    make.position(make.representative(asker), round_, asker, PositionKind.SUPPORT)
    make.login(client, rep)
    action = f"/rounds/{round_.id}/members/{baerum.id}/position"
    form = {"kind": "reservation", "comment": "Vi ber om en rapport om et år."}
    client.post(action, data=form, headers=HTMX)  # closes the round; its answer is lost
    assert db.session.get(Round, round_.id).outcome == Outcome.CONSENSUS
    changes = _changes()

    resent = client.post(action, data=form, headers=HTMX)

    assert resent.status_code == 200
    assert "alert-success" in resent.text and "field-error" not in resent.text
    assert "error-summary" not in resent.text
    assert _changes() == changes


def test_a_resent_position_with_other_text_after_the_close_is_still_refused(sec, make):
    asker = make.member("Asker")
    rep = make.representative(asker)
    round_ = make.round_(sec, [asker])
    make.position(rep, round_, asker, PositionKind.SUPPORT)  # the last answer: closed

    with pytest.raises(DomainError,
                       match=r"Denne høringsrunden er avsluttet\. Standpunkter kan ikke lenger "
                             r"endres\."):
        services.register_position(rep, round_, asker, kind=PositionKind.SUPPORT,
                                   comment="Ny tekst.")
    db.session.rollback()
    with pytest.raises(DomainError,
                       match=r"Denne høringsrunden er avsluttet\. Standpunkter kan ikke lenger "
                             r"endres\."):
        services.register_position(rep, round_, asker, kind=PositionKind.STAND_ASIDE)


def _oob(html: str, element_id: str) -> str:
    """The out-of-band element with this id in an htmx answer ('' when absent)."""
    match = re.search(rf'<section id="{element_id}"[^>]*hx-swap-oob="true"[^>]*>(.*?)</section>',
                      html, re.S)
    return match.group(1) if match else ""


def test_an_htmx_save_on_the_round_page_swaps_the_history_and_the_board_too(
        sec, make, client):
    asker, baerum = make.member("Asker"), make.member("Bærum")
    rep = make.representative(asker, name="Rita Representant")
    round_ = make.round_(sec, [asker, baerum])
    make.login(client, rep)
    page = client.get(f"/rounds/{round_.id}").text
    assert 'name="on" value="round"' in page  # the panel says where it is

    saved = client.post(f"/rounds/{round_.id}/members/{asker.id}/position",
                        data={"kind": "object", "comment": "Mangler finansiering.",
                              "on": "round"}, headers=HTMX)

    assert saved.status_code == 200
    history = _oob(saved.text, "history")
    assert "Asker" in history and "Rita Representant" in history
    assert "Ingen standpunkter" not in history
    board = saved.text[saved.text.index('<section id="board"'):]
    assert 'hx-swap-oob="true"' in board.split(">", 1)[0]
    assert 'data-position="object"' in board
    assert 'id="position-panel"' in saved.text


def test_an_htmx_save_on_the_position_page_sends_nothing_the_page_lacks(sec, make, client):
    asker = make.member("Asker")
    round_ = make.round_(sec, [asker, make.member("Bærum")])
    make.login(client, sec)
    page = client.get(f"/rounds/{round_.id}/members/{asker.id}/position").text
    assert 'id="board"' not in page and 'id="history"' not in page

    saved = client.post(f"/rounds/{round_.id}/members/{asker.id}/position",
                        data={"kind": "support"}, headers=HTMX)

    assert saved.status_code == 200
    assert 'id="position-panel"' in saved.text
    assert "hx-swap-oob" not in saved.text
