"""The domains announce their acts as events; notifications listens (decisions.signals)."""

from decisions import signals
from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.notifications.models import Notification, NotificationKind
from decisions.notifications.subscribers import HANDLERS, subscribe
from decisions.proposals.models import PositionKind
from decisions.proposals.rules import raises_objection


def test_subscribing_again_connects_each_handler_once(app):
    subscribe()
    subscribe()
    for signal, handler in HANDLERS:
        assert list(signal.receivers_for(None)).count(handler) == 1


def test_an_opened_round_is_sent_as_an_event_inside_the_act(app, make):
    member = make.member()
    make.representative(member)
    secretariat = make.user(Role.SECRETARIAT)
    heard = []

    def listener(_sender, *, round_):
        heard.append((round_.id, round_.version.number))

    with signals.round_opened.connected_to(listener):
        round_ = make.round_(secretariat, [member])
    assert heard == [(round_.id, 1)]
    assert db.session.query(Notification).filter_by(
        round_id=round_.id, kind=NotificationKind.ROUND_OPENED).count() == 1


def test_only_a_new_objection_is_an_objection_event():
    assert raises_objection(PositionKind.STAND_ASIDE, PositionKind.AMENDMENT)
    assert raises_objection(None, PositionKind.OBJECT)
    assert raises_objection(PositionKind.SUPPORT, PositionKind.OBJECT)
    assert not raises_objection(PositionKind.OBJECT, PositionKind.OBJECT)
    assert not raises_objection(None, PositionKind.SUPPORT)
