"""What the interface promises beyond the pages' content: the consensus board's poll,
sent with the ETag the round page gave it, answers 304 while nothing changed, Norwegian
content is marked as such in the English interface, and a form's errors come back at an
address that answers GET."""

from bs4 import BeautifulSoup

from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.proposals import services as proposals
from decisions.proposals.models import PositionKind
from tests import world as worlds

EN = {"Accept-Language": "en"}
NB = {"Accept-Language": "nb"}
POLL = {**EN, "HX-Request": "true", "X-Samraad-Poll": "1"}


def _etag(html: str) -> str:
    return BeautifulSoup(html, "html.parser").select_one("#board")["data-etag"]


def test_the_board_poll_answers_304_to_the_pages_etag_while_nothing_changed_and_the_new_board_after(
        app, client, make):
    secretariat = make.user(Role.SECRETARIAT)
    asker, lier = make.member("Asker"), make.member("Lier")
    round_ = make.round_(secretariat, [asker, lier])
    make.login(client, secretariat)
    page = client.get(f"/rounds/{round_.id}", headers=EN).text
    board = BeautifulSoup(page, "html.parser").select_one("#board")
    etag = board["data-etag"]
    assert board["hx-get"] == f"/rounds/{round_.id}/board"

    same = client.get(board["hx-get"], headers={**POLL, "If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    first = client.get(board["hx-get"], headers=POLL)  # no ETag: the board
    assert first.status_code == 200 and _etag(first.text) == etag

    proposals.register_position(secretariat, round_, asker, kind=PositionKind.SUPPORT)
    db.session.commit()
    changed = client.get(board["hx-get"], headers={**POLL, "If-None-Match": etag})
    assert changed.status_code == 200
    assert _etag(changed.text) != etag
    assert 'data-position="support"' in changed.text


def _languages_of(html: str, text: str) -> list[str | None]:
    """The language of every element of <main> that shows `text`: its own lang or its
    nearest ancestor's (the page's, <html lang>, if none in between). The options of a
    form's list are left out: a choice is read as the interface reads it."""
    main = BeautifulSoup(html, "html.parser").select_one("main")
    found = []
    for node in main.find_all(string=lambda s: s and text in s):
        if node.parent.name == "option":
            continue
        found.append(next((el.get("lang") for el in [node.parent, *node.parents]
                           if el.get("lang")), None))
    return found


def test_norwegian_content_in_the_english_interface_is_marked_lang_nb(app, client, make):
    world = worlds.build(make, with_meetings=True)
    make.login(client, world.users["secretariat"])
    title = world.circulated.title  # "Felles ladestrategi"
    pages = {
        f"/proposals/{world.circulated.id}": [title, "Osloregionen slutter seg til"],
        f"/rounds/{world.round.id}": [title, world.objector.name],
        f"/meetings/{world.meetings.meeting.id}": [world.meetings.item.title],
        f"/decisions/{world.decision.year}/{world.decision.number}": [world.decision.title],
        "/": [world.decision.title],
    }
    for path, texts in pages.items():
        english = client.get(path, headers=EN).text
        assert 'lang="en"' in english[:200]
        for text in texts:
            languages = _languages_of(english, text)
            assert languages and set(languages) == {"nb"}, (path, text, languages)
    # In the Norwegian interface the page's own language says it: no extra marks.
    norwegian = client.get(f"/proposals/{world.circulated.id}", headers=NB).text
    assert 'lang="nb"' in norwegian[:200] and '<span lang="nb">' not in norwegian


def test_a_page_of_errors_is_at_an_address_that_answers_get_with_the_forms_page(
        app, client, make):
    world = worlds.build(make, with_meetings=True)
    m = world.meetings
    make.login(client, world.users["secretariat"])
    answer = f"/rounds/{world.round.id}/members/{world.objector.id}/answer"

    failed = client.post(answer, data={"text": ""}, headers=EN)
    assert failed.status_code == 422
    field = BeautifulSoup(failed.text, "html.parser").select_one(
        f"textarea#answer-{world.objector.id}")
    assert field["aria-invalid"] == "true"

    # A reload (or a bookmark) of the address the form posted to: the page of the form.
    expected = {
        answer: f"/rounds/{world.round.id}#answer-{world.objector.id}",
        f"/meetings/{m.meeting.id}/items": f"/meetings/{m.meeting.id}#new-item-h",
        f"/items/{m.held_item.id}/entries": f"/meetings/{m.held.id}/minutes#lines-{m.held_item.id}",
        f"/items/{m.held_item.id}/minutes":
            f"/meetings/{m.held.id}/minutes#minutes-{m.held_item.id}",
        f"/meetings/{m.held.id}/attendance": f"/meetings/{m.held.id}/minutes#attendance",
        f"/attendance/{m.held.attendance[0].id}": f"/meetings/{m.held.id}/minutes#attendance",
    }
    for address, page in expected.items():
        response = client.get(address)
        assert (response.status_code, response.location) == (303, page), address
    assert client.get(f"/meetings/{m.meeting.id}").status_code == 200
    # An address with no form page still refuses what it does not do.
    assert client.get("/logout").status_code == 405
