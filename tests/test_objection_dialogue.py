"""An objection is a conversation that follows the proposal across its versions, and the
round page offers revision where the secretariat decides what to do with objections."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.clock import now
from decisions.errors import DomainError, NotAllowed
from decisions.extensions import db
from decisions.notifications.messages import compose
from decisions.notifications.models import Notification, NotificationKind
from decisions.proposals import services
from decisions.proposals.models import (
    ObjectionEntry,
    ObjectionThread,
    PositionKind,
    ThreadEntryKind,
)

REASON = "Kostnadsfordelingen er ikke avklart."
ANSWER = "Kostnadene fordeles etter folketall, se punkt 3."
REPLY = "Folketall alene treffer de små kommunene hardt."


@pytest.fixture
def sec(app, make):
    return make.user(Role.SECRETARIAT)


@pytest.fixture
def revised(sec, make):
    """Asker objects to version 1, the secretariat answers there, then revises: in the
    round of version 2 Asker's objection is carried until it confirms or withdraws."""
    asker, baerum = make.member("Asker"), make.member("Bærum")
    rep = make.representative(asker, name="Rita Representant")
    first = make.round_(sec, [asker, baerum])
    make.position(rep, first, asker, PositionKind.OBJECT, REASON)
    services.answer_objection(sec, first, asker, ANSWER)
    db.session.commit()
    second = services.revise_proposal(
        sec, first.proposal, title=first.version.title, background="Ny bakgrunn.",
        resolution="Kostnadene fordeles etter folketall og areal.", members=[asker, baerum],
        deadline=now() + timedelta(days=7), procedure=first.procedure)
    db.session.commit()
    return {"asker": asker, "baerum": baerum, "rep": rep, "first": first, "second": second}


def _acts(act: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.act == act)))


def test_the_answer_on_version_1_is_shown_with_the_carried_objection_on_version_2(
        revised, make, client):
    second, asker = revised["second"], revised["asker"]
    make.login(client, revised["rep"])
    page = client.get(f"/rounds/{second.id}").text
    panel = page[page.index('id="position-panel"'):page.index("</section>",
                                                                page.index('id="position-panel"'))]
    assert ANSWER in panel
    board = page[page.index('id="board"'):]
    carried = board[board.index(f'data-member="{asker.id}"'):]
    assert ANSWER in carried[:carried.index("</li>")]

    for role in (Role.BOARD, Role.REPRESENTATIVE):  # everyone who reads the board
        reader = make.user(role, member=revised["baerum"] if role == Role.REPRESENTATIVE
                           else None)
        make.login(client, reader)
        assert ANSWER in client.get(f"/rounds/{second.id}/board").text
    make.login(client, revised["rep"])
    assert ANSWER in client.get(f"/rounds/{second.id}/members/{asker.id}/position").text


def test_the_objector_replies_in_the_revised_round_and_the_secretariat_is_told(
        app, revised, make, client, sec):
    second, asker = revised["second"], revised["asker"]
    make.login(client, revised["rep"])
    page = client.get(f"/rounds/{second.id}").text
    assert f'action="/rounds/{second.id}/members/{asker.id}/reply"' in page

    sent = client.post(f"/rounds/{second.id}/members/{asker.id}/reply", data={"text": REPLY})

    assert sent.status_code == 303
    (entry,) = db.session.scalars(select(ObjectionEntry).where(
        ObjectionEntry.kind == ThreadEntryKind.REPLY))
    assert (entry.round_id, entry.author_id, entry.text) == (
        second.id, revised["rep"].id, REPLY)
    answer = db.session.scalars(select(ObjectionEntry).where(
        ObjectionEntry.kind == ThreadEntryKind.ANSWER)).one()
    assert answer.thread_id == entry.thread_id  # one conversation across the versions
    (audited,) = _acts("objection.replied")
    assert audited.actor_id == revised["rep"].id and audited.after["text"] == REPLY
    (told,) = [n for n in db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.OBJECTION, Notification.user_id == sec.id))
        if n.params.get("kind") == "reply"]
    with app.test_request_context():  # the email links to the round
        message = compose(told, with_files=False)
    assert "Asker" in message.subject and message.quote == REPLY

    make.login(client, sec)
    seen = client.get(f"/rounds/{second.id}").text
    assert seen.index(ANSWER) < seen.index(REPLY)  # in the order written
    assert f'id="answer-{asker.id}"' in seen  # the secretariat can answer again here


def test_the_secretariat_answers_the_carried_objection_and_the_objector_is_told(
        app, revised, make, client, sec):
    second, asker, rep = revised["second"], revised["asker"], revised["rep"]
    make.login(client, sec)

    sent = client.post(f"/rounds/{second.id}/members/{asker.id}/answer",
                       data={"text": "Arealet er nå med i fordelingen."})

    assert sent.status_code == 303
    told = db.session.scalars(select(Notification).where(
        Notification.kind == NotificationKind.OBJECTION_ANSWERED,
        Notification.user_id == rep.id)).all()
    assert len(told) == 2  # on version 1 and on version 2
    with app.test_request_context():
        assert compose(told[-1], with_files=False).quote == "Arealet er nå med i fordelingen."
    assert len(_acts("objection.answered")) == 2


def test_only_the_objecting_members_representatives_reply(revised, make, client, sec):
    second, asker = revised["second"], revised["asker"]
    strangers = [sec, make.user(Role.BOARD), make.user(Role.ADMIN),
                 make.representative(revised["baerum"])]
    for user in strangers:
        with pytest.raises(NotAllowed):
            services.reply_to_objection(user, second, asker, REPLY)
        db.session.rollback()
        make.login(client, user)
        refused = client.post(f"/rounds/{second.id}/members/{asker.id}/reply",
                              data={"text": REPLY})
        assert refused.status_code == 403, user.role
    deputy = make.representative(asker, name="Vara Representant")
    services.reply_to_objection(deputy, second, asker, REPLY)  # any of its representatives
    db.session.commit()
    assert len(_acts("objection.replied")) == 1


def test_a_board_member_sees_the_conversation_without_a_reply_form(revised, make, client):
    make.login(client, make.user(Role.BOARD))
    page = client.get(f"/rounds/{revised['second'].id}").text
    assert ANSWER in page and "/reply" not in page and "answer-form" not in page


def test_an_empty_reply_is_refused_next_to_the_field(revised, make, client):
    second, asker = revised["second"], revised["asker"]
    make.login(client, revised["rep"])
    empty = client.post(f"/rounds/{second.id}/members/{asker.id}/reply", data={"text": " "})
    assert empty.status_code == 422
    assert f'id="reply-{asker.id}-error"' in empty.text
    assert _acts("objection.replied") == []


def test_a_withdrawn_objection_closes_its_conversation_and_keeps_its_history(
        revised, make, client, sec):
    second, asker, rep = revised["second"], revised["asker"], revised["rep"]
    services.reply_to_objection(rep, second, asker, REPLY)
    db.session.commit()

    make.position(rep, second, asker, PositionKind.SUPPORT)  # withdraws the objection

    thread = db.session.scalars(select(ObjectionThread)).one()
    assert thread.closed_round_id == second.id and thread.closed_at is not None
    with pytest.raises(DomainError,
                       match=r"Asker har ingen åpen innsigelse i denne høringsrunden\."):
        services.reply_to_objection(rep, second, asker, "Enda en kommentar.")
    db.session.rollback()
    with pytest.raises(DomainError,
                       match=r"Asker har ingen åpen innsigelse i denne høringsrunden\."):
        services.answer_objection(sec, second, asker, "Et svar for sent.")
    db.session.rollback()
    make.login(client, rep)
    page = client.get(f"/rounds/{second.id}").text
    assert ANSWER in page and REPLY in page  # history kept
    assert "/reply" not in page
    first_page = client.get(f"/rounds/{revised['first'].id}").text
    assert ANSWER in first_page and REPLY in first_page


def test_a_new_objection_after_a_withdrawal_starts_a_new_conversation(sec, make):
    asker = make.member("Asker")
    rep = make.representative(asker)
    round_ = make.round_(sec, [asker, make.member("Bærum")])
    make.position(rep, round_, asker, PositionKind.OBJECT, REASON)
    services.answer_objection(sec, round_, asker, ANSWER)
    make.position(rep, round_, asker, PositionKind.SUPPORT)
    make.position(rep, round_, asker, PositionKind.OBJECT, "Likevel nei.")

    threads = db.session.scalars(select(ObjectionThread).order_by(ObjectionThread.id)).all()
    assert [t.is_open for t in threads] == [False, True]
    assert [len(t.entries) for t in threads] == [1, 0]


# "Revise and circulate again" where the objections are read and answered

def _offers_revision(client, round_) -> bool:
    page = client.get(f"/rounds/{round_.id}").text
    return f'href="/proposals/{round_.proposal_id}/revise"' in page


def test_the_round_page_offers_revision_while_objections_block_the_open_round(
        sec, make, client):
    asker = make.member("Asker")
    round_ = make.round_(sec, [asker, make.member("Bærum")])
    make.login(client, sec)
    assert not _offers_revision(client, round_)  # nothing to decide yet

    make.position(make.representative(asker), round_, asker, PositionKind.OBJECT, REASON)

    assert _offers_revision(client, round_)
    make.login(client, make.user(Role.BOARD))
    assert not _offers_revision(client, round_)


def test_the_round_page_offers_revision_after_no_consensus_and_broken_silence(
        sec, make, client, clock):
    from decisions.proposals.models import Procedure

    asker = make.member("Asker")
    rep = make.representative(asker)
    silence = make.round_(sec, [asker], procedure=Procedure.SILENCE)
    make.position(rep, silence, asker, PositionKind.AMENDMENT, "Legg til areal.")
    consent = make.round_(sec, [asker], deadline=timedelta(days=1))
    make.position(rep, consent, asker, PositionKind.OBJECT, REASON)
    make.position(rep, consent, asker, PositionKind.STAND_ASIDE)  # withdrawn: adopted
    quorum = services.open_round(sec, make.proposal(sec, title="Kvorum"), members=[asker],
                                 deadline=now() + timedelta(days=1),
                                 procedure=Procedure.CONSENT, quorum_percent=100)
    db.session.commit()
    clock.advance(days=2)  # nobody answered: no consensus
    make.login(client, sec)

    assert _offers_revision(client, silence)
    assert _offers_revision(client, quorum)
    assert not _offers_revision(client, consent)  # adopted: nothing to revise


def test_an_earlier_round_does_not_offer_revision_again(revised, make, client, sec):
    make.login(client, sec)
    assert not _offers_revision(client, revised["first"])  # superseded by version 2
    assert _offers_revision(client, revised["second"])  # the objection is carried


def test_the_migration_rebuilds_threads_from_the_positions_and_keeps_every_answer(
        app, revised, make, sec):
    """Down to the schema of one round's answers and up again: the threads come back
    from the position history, each answer in its thread with its id."""
    from flask_migrate import downgrade, upgrade

    second, asker, rep = revised["second"], revised["asker"], revised["rep"]
    services.answer_objection(sec, second, asker, "Svar på den bårne innsigelsen.")
    db.session.commit()
    make.position(rep, second, asker, PositionKind.SUPPORT)  # withdrawn: closed
    baerum = revised["baerum"]
    make.position(make.representative(baerum), second, baerum, PositionKind.OBJECT, "Nei.")

    def shape():
        threads = db.session.scalars(select(ObjectionThread).order_by(
            ObjectionThread.member_id, ObjectionThread.opened_round_id)).all()
        return [(t.proposal_id, t.member_id, t.opened_round_id, t.closed_round_id,
                 [(e.id, e.round_id, e.kind, e.text, e.author_id) for e in t.entries])
                for t in threads]

    before = shape()
    assert [len(entries) for *_t, entries in before] == [2, 0]
    ids = (sec.id, second.id, baerum.id)
    db.session.commit()
    db.session.remove()
    try:
        downgrade(revision="meetings0001")  # the revision before the threads
    finally:
        upgrade()
    assert shape() == before
    sec, second, baerum = (db.session.get(model, id_) for model, id_ in
                           zip((type(sec), type(second), type(baerum)), ids, strict=True))
    services.answer_objection(sec, second, baerum, "Et nytt svar får en ny id.")
    db.session.commit()


def test_a_conversation_withdrawn_on_an_earlier_version_is_not_shown_on_later_ones(
        revised, make, client, sec):
    asker, rep = revised["asker"], revised["rep"]
    make.position(rep, revised["second"], asker, PositionKind.SUPPORT)  # withdrawn on v2
    third = services.revise_proposal(
        sec, revised["second"].proposal, title="Ny tittel", background="",
        resolution="Tredje versjon.", members=[asker, revised["baerum"]],
        deadline=now() + timedelta(days=7), procedure=revised["second"].procedure)
    db.session.commit()
    make.login(client, rep)

    assert ANSWER in client.get(f"/rounds/{revised['second'].id}").text
    assert ANSWER not in client.get(f"/rounds/{third.id}").text
