"""The polled board fragment answers 304 Not Modified, without building the board, while
nothing it shows has changed for the person looking; anything that changes what it
shows (a position, an objection's conversation, the deadline passing, the viewer, the
language) changes its ETag. A board already rendered for someone who sees it alike is
sent again without being built, with the viewer's own ETag."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from decisions import submissions
from decisions.accounts.models import Role
from decisions.clock import now
from decisions.extensions import db
from decisions.members.models import Member
from decisions.proposals import services, views
from decisions.proposals.models import PositionKind
from tests.counting import counting_queries

POLL = {"HX-Request": "true", "X-Samraad-Poll": "1"}
# Tables only building the board reads; the ETag's one query reads none of them.
BOARD_TABLES = ("FROM round_members", "FROM positions", "JOIN round_members",
                "FROM members", "FROM proposal_versions", "FROM objection_threads")




@pytest.fixture
def board(app, make):
    secretariat = make.user(Role.SECRETARIAT)
    members = make.members(5)
    round_ = make.round_(secretariat, members)
    make.position(secretariat, round_, members[0], PositionKind.SUPPORT)
    return {"secretariat": secretariat, "members": members, "round": round_,
            "url": f"/rounds/{round_.id}/board",
            "reps": [make.representative(m) for m in members[:2]]}


def poll(app, client, url: str, etag: str | None = None, **headers):
    if etag is not None:
        headers["If-None-Match"] = etag
    with app.app_context(), counting_queries() as statements:
        response = client.get(url, headers={**POLL, **headers})
    return response, statements


def test_an_unchanged_board_answers_304_after_one_query_and_builds_nothing(
        app, client, make, board):
    make.login(client, board["reps"][0])
    first, _ = poll(app, client, board["url"])
    etag = first.headers["ETag"]

    again, statements = poll(app, client, board["url"], etag)

    assert first.status_code == 200
    assert f'data-etag="&quot;{etag.strip(chr(34))}&quot;"' in first.text
    assert "private" in first.headers["Cache-Control"]
    assert "no-cache" in first.headers["Cache-Control"]
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    print("304 statements:", len(statements), [s[:70] for s in selects])
    stamp = [s for s in selects if "position_changes" in s]
    assert len(stamp) == 1, selects
    assert not [s for s in selects if any(t in s for t in BOARD_TABLES)], selects
    app.extensions["board_renders"].clear()  # built again, as after a change
    with app.app_context(), counting_queries() as full:
        assert client.get(board["url"], headers=POLL).status_code == 200
    assert len(statements) < len(full), (statements, full)


def test_a_position_change_gives_200_with_a_new_etag(app, client, make, board):
    make.login(client, board["reps"][0])
    etag = poll(app, client, board["url"])[0].headers["ETag"]

    make.position(board["secretariat"], board["round"], board["members"][1],
                  PositionKind.STAND_ASIDE)
    changed, _ = poll(app, client, board["url"], etag)

    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert 'data-position="stand_aside"' in changed.text
    assert poll(app, client, board["url"], changed.headers["ETag"])[0].status_code == 304


def test_an_answer_to_an_objection_gives_200(app, client, make, board):
    objector = board["members"][2]
    make.position(board["secretariat"], board["round"], objector, PositionKind.OBJECT,
                  comment="Kostnadene er ikke utredet.")
    make.login(client, board["reps"][0])
    etag = poll(app, client, board["url"])[0].headers["ETag"]

    services.answer_objection(board["secretariat"], board["round"], objector,
                              "Utredningen kommer i mars.")
    db.session.commit()
    changed, _ = poll(app, client, board["url"], etag)

    assert changed.status_code == 200 and "Utredningen kommer i mars." in changed.text


def test_another_language_another_user_or_a_passed_deadline_gives_200(
        app, client, make, clock, board):
    make.login(client, board["reps"][0])
    etag = poll(app, client, board["url"], **{"Accept-Language": "nb"})[0].headers["ETag"]
    assert poll(app, client, board["url"], etag,
                **{"Accept-Language": "nb"})[0].status_code == 304

    english, _ = poll(app, client, board["url"], etag, **{"Accept-Language": "en"})
    other = app.test_client()
    make.login(other, board["reps"][1])
    someone_else, _ = poll(app, other, board["url"], etag, **{"Accept-Language": "nb"})
    secretariat = app.test_client()
    make.login(secretariat, board["secretariat"])
    with_more_offered, _ = poll(app, secretariat, board["url"], etag,
                                **{"Accept-Language": "nb"})

    assert english.status_code == 200 and "Consensus board" in english.text
    assert someone_else.status_code == 200 and someone_else.headers["ETag"] != etag
    assert with_more_offered.status_code == 200  # the secretariat registers on behalf

    clock.set(board["round"].deadline + timedelta(minutes=1))
    make.login(client, board["reps"][0])
    ended, _ = poll(app, client, board["url"], etag, **{"Accept-Language": "nb"})
    assert ended.status_code == 200 and ended.headers["ETag"] != etag


def test_an_etag_opens_nothing_to_a_person_who_may_not_see_the_round(
        app, client, make, board):
    make.login(client, board["reps"][0])
    etag = poll(app, client, board["url"])[0].headers["ETag"]

    missing, _ = poll(app, client, "/rounds/999999/board", etag)
    anonymous, _ = poll(app, app.test_client(), board["url"], etag)

    assert missing.status_code == 404
    assert anonymous.status_code in (302, 401) and "ETag" not in anonymous.headers


def test_a_board_rendered_for_one_member_is_sent_to_another_without_building_it(
        app, client, make, board):
    first_rep, second_rep = board["reps"]
    make.login(client, first_rep)
    first, built = poll(app, client, board["url"])
    other = app.test_client()
    make.login(other, second_rep)

    again, statements = poll(app, other, board["url"])

    assert [s for s in built if any(t in s for t in BOARD_TABLES)]
    assert not [s for s in statements if any(t in s for t in BOARD_TABLES)], statements
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    own = again.headers["ETag"].strip(chr(34))
    assert f'data-etag="&quot;{own}&quot;"' in again.text
    assert again.text.replace(own, "") == first.text.replace(
        first.headers["ETag"].strip(chr(34)), "")
    assert "board-etag-slot" not in again.text


def test_the_secretariat_and_a_member_never_get_each_others_board(app, client, make, board):
    """The secretariat's board offers to register on each member's behalf; a member's
    does not, whoever's board was rendered first, in either language."""
    secretariat = app.test_client()
    make.login(secretariat, board["secretariat"])
    make.login(client, board["reps"][0])

    for language in ("nb", "en"):
        offered, _ = poll(app, secretariat, board["url"], **{"Accept-Language": language})
        member, _ = poll(app, client, board["url"], **{"Accept-Language": language})
        offered_again, _ = poll(app, secretariat, board["url"],
                                **{"Accept-Language": language})
        link = f'/rounds/{board["round"].id}/members/'
        assert link in offered.text and link in offered_again.text, language
        assert link not in member.text, language
    assert "Consensus board" in member.text  # the English board, not the cached bokmål


def test_the_kept_renders_are_bounded(app, client, make, board, monkeypatch):
    monkeypatch.setattr(views, "RENDERS_KEPT", 1)
    make.login(client, board["reps"][0])
    poll(app, client, board["url"], **{"Accept-Language": "nb"})
    poll(app, client, board["url"], **{"Accept-Language": "en"})

    assert len(app.extensions["board_renders"]) == 1


def test_the_round_page_shows_the_board_its_poll_would_send(app, client, make, board):
    """The round page takes the board kept for the fragment (or keeps the one it drew),
    with the viewer's ETag, so its first poll answers 304; after a change it shows the
    new board."""
    make.login(client, board["reps"][0])
    page = client.get(f"/rounds/{board['round'].id}").text
    fragment, _ = poll(app, client, board["url"])
    etag = fragment.headers["ETag"]

    assert fragment.text in page
    assert poll(app, client, board["url"], etag)[0].status_code == 304

    make.position(board["secretariat"], board["round"], board["members"][1],
                  PositionKind.STAND_ASIDE)
    changed = client.get(f"/rounds/{board['round'].id}").text
    assert 'data-position="stand_aside"' in changed and fragment.text not in changed


def _same_page(html: str) -> str:
    """The page without what each render draws anew: the CSRF token (signed with the
    second it was made, wherever the page carries it), the form nonces."""
    [token] = re.findall(r'<meta name="csrf-token" content="([^"]+)">', html)
    return re.sub(rf'(name="{submissions.FIELD}" value=")[^"]*"', r'\1"',
                  html.replace(token, "CSRF"))


def test_the_round_page_beside_a_kept_board_is_the_page_drawn_with_the_whole_board(
        app, client, make):
    """Once the board is kept, the round page reads only the members it names (the
    viewer's member and the objectors, made in the round or carried from the version
    before) and is the same page, for the secretariat (answer forms, the offer to
    revise), an objector's representative (the panel and its conversation), a carried
    objector's, one whose member has not answered, and a board member (no panel)."""
    sec = make.user(Role.SECRETARIAT)
    members = make.members(30)
    carried, objector, quiet = members[0], members[1], members[2]
    first = make.round_(sec, members)
    make.position(sec, first, carried, PositionKind.OBJECT, comment="Uklart ansvar.")
    services.answer_objection(sec, first, carried, "Ansvaret ligger hos sekretariatet.")
    db.session.commit()
    round_ = services.revise_proposal(
        sec, first.proposal, title=first.version.title, background="Ny bakgrunn.",
        resolution="Nytt forslag.", members=members, deadline=now() + timedelta(days=7),
        procedure=first.procedure)
    db.session.commit()
    make.position(sec, round_, members[5], PositionKind.SUPPORT)
    make.position(sec, round_, objector, PositionKind.OBJECT, comment="For dyrt.")
    url = f"/rounds/{round_.id}"
    viewers = [sec, make.representative(carried), make.representative(objector),
               make.representative(quiet), make.user(Role.BOARD)]

    loaded, pages = [], []

    def count(member, _context):
        loaded.append(member.id)

    event.listen(Member, "load", count)
    try:
        for viewer in viewers:
            who = app.test_client()
            make.login(who, viewer)
            app.extensions.pop("board_renders", None)
            loaded.clear()
            whole = who.get(url)
            with_whole = set(loaded)
            loaded.clear()
            beside = who.get(url)

            assert whole.status_code == beside.status_code == 200
            assert _same_page(beside.text) == _same_page(whole.text), viewer.role
            assert with_whole >= {m.id for m in members}
            named = {carried.id, objector.id, viewer.member_id} - {None}
            assert set(loaded) <= named, (viewer.role, set(loaded) - named)
            pages.append(beside.text)
    finally:
        event.remove(Member, "load", count)
    # What makes the pages differ was there to be drawn: the secretariat's answer forms
    # for both objectors and its offer to revise, the carried objector's conversation.
    assert pages[0].count('class="answer-form ds-field') == 2
    assert f'href="/proposals/{round_.proposal_id}/revise"' in pages[0]
    assert "Ansvaret ligger hos sekretariatet." in pages[1]
