"""What the interface promises beyond the pages' content: the consensus board's poll
answers 204 while nothing changed, Norwegian content is marked as such in the English
interface, and a form's errors come back at an address that answers GET."""

import re

from bs4 import BeautifulSoup

from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.proposals import services as proposals
from decisions.proposals.models import PositionKind

EN = {"Accept-Language": "en"}
POLL = {**EN, "HX-Request": "true", "X-Samraad-Poll": "1"}


def _version(html: str) -> str:
    return re.search(r'data-version="(\w+)"', html).group(1)


def test_the_board_poll_answers_204_while_nothing_changed_and_the_new_board_after(
        app, client, make):
    secretariat = make.user(Role.SECRETARIAT)
    asker, lier = make.member("Asker"), make.member("Lier")
    round_ = make.round_(secretariat, [asker, lier])
    make.login(client, secretariat)
    page = client.get(f"/rounds/{round_.id}", headers=EN).text
    board = BeautifulSoup(page, "html.parser").select_one("#board")
    version = board["data-version"]
    assert board["hx-get"] == f"/rounds/{round_.id}/board?v={version}"

    same = client.get(board["hx-get"], headers=POLL)
    assert same.status_code == 204 and same.data == b""
    first = client.get(f"/rounds/{round_.id}/board", headers=POLL)  # no version: the board
    assert first.status_code == 200 and _version(first.text) == version

    proposals.register_position(secretariat, round_, asker, kind=PositionKind.SUPPORT)
    db.session.commit()
    changed = client.get(board["hx-get"], headers=POLL)
    assert changed.status_code == 200
    assert _version(changed.text) != version
    assert 'data-position="support"' in changed.text
