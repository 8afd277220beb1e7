"""The main path end to end through HTTP: circulate, answer, consensus, decision."""

from decisions.accounts.models import Role
from decisions.proposals.models import Outcome, PositionKind
from decisions.register.models import Decision


def test_representatives_reach_consensus_and_a_numbered_decision_is_made(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    a, b = make.member("Asker"), make.member("Bærum", "Vestregionen")
    ra, rb = make.representative(a), make.representative(b)
    round_ = make.round_(sec, [a, b])

    make.login(client, ra)
    r = client.post(f"/rounds/{round_.id}/members/{a.id}/position",
                    data={"kind": "reservation", "comment": "Kostnadsdeling etter folketall."})
    assert r.status_code == 303
    client.post("/logout")
    make.login(client, rb)
    r = client.post(f"/rounds/{round_.id}/members/{b.id}/position",
                    data={"kind": "support", "on": "round"},  # as the round page's form
                    headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert 'id="board"' in r.text and 'hx-swap-oob="true"' in r.text

    from decisions.extensions import db
    db.session.rollback()  # end the test's read snapshot to see what the requests wrote
    assert round_.outcome == Outcome.CONSENSUS
    decision = db.session.query(Decision).one()
    assert decision.ref == "2026/001"
    notes = [(n.member.name, n.kind) for n in decision.notes]
    assert notes == [("Asker", PositionKind.RESERVATION)]
    page = client.get("/decisions/2026/1")
    assert "Kostnadsdeling etter folketall." in page.text
