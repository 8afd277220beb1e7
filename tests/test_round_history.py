"""The round page's history of positions: the newest changes and a plain link to the
whole history, which is read a page at a time; neither grows with the history."""

import re

import pytest

from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.proposals import views
from decisions.proposals.models import PositionKind
from tests.counting import counting_queries

SUPPORT, RESERVATION = PositionKind.SUPPORT, PositionKind.RESERVATION
SECTION = re.compile(r'<section id="history".*?</section>', re.S)
OLDER = re.compile(r'href="(/rounds/\d+/history\?after=\d+)"')


def history_round(make, changes: int):
    """A round of four members with `changes` changes of position: the first is the
    first member's, the last the third's, the rest the second member's, changing its
    mind again and again (the fourth never answers: the round stays open)."""
    sec = make.user(Role.SECRETARIAT)
    members = [make.member(f"Kommune {name} {changes}")
               for name in ("Først", "Midt", "Sist", "Taus")]
    round_ = make.round_(sec, members)
    make.position(sec, round_, members[0], SUPPORT)
    for i in range(changes - 2):
        make.position(sec, round_, members[1], RESERVATION, comment=f"Forbehold {i}")
    make.position(sec, round_, members[2], SUPPORT)
    db.session.commit()
    return sec, round_, members


def rows(html: str) -> int:
    return html.count("<tr>") - 1  # less the head


def test_the_round_page_shows_the_newest_25_of_30_changes_and_a_link_to_the_rest(
        app, client, make):
    sec, round_, members = history_round(make, 30)
    make.login(client, sec)

    history = SECTION.search(client.get(f"/rounds/{round_.id}").text).group(0)
    english = SECTION.search(client.get(
        f"/rounds/{round_.id}", headers={"Accept-Language": "en"}).text).group(0)

    assert rows(history) == views.HISTORY_ON_ROUND_PAGE == 25
    assert "Kommune Sist" in history  # the newest change
    assert "Kommune Først" not in history  # the oldest
    # In the order they were made: the newest is the last row.
    assert history.rindex("Kommune Sist") > history.rindex("Kommune Midt")
    link = f'<a class="ds-link" href="/rounds/{round_.id}/history">'
    assert f"{link}Vis hele historikken (30 endringer)</a>" in history
    assert f"{link}Show the whole history (30 changes)</a>" in english


def test_a_history_no_longer_than_the_page_shows_whole_without_a_link(app, client, make):
    sec, round_, _members = history_round(make, 25)
    make.login(client, sec)

    history = SECTION.search(client.get(f"/rounds/{round_.id}").text).group(0)

    assert rows(history) == 25 and "Kommune Først" in history
    assert "/history" not in history


def test_the_whole_history_is_read_a_page_at_a_time_through_plain_links(
        app, client, make, monkeypatch):
    monkeypatch.setattr(views, "HISTORY_PER_PAGE", 10)
    sec, round_, _members = history_round(make, 30)
    make.login(client, sec)

    pages = [client.get(f"/rounds/{round_.id}/history")]
    while (older := OLDER.search(pages[-1].text)) is not None:
        pages.append(client.get(older.group(1)))

    assert [p.status_code for p in pages] == [200, 200, 200]
    assert [rows(p.text) for p in pages] == [10, 10, 10]
    assert "30 endringer i alt." in pages[0].text
    assert "Kommune Sist" in pages[0].text and "Kommune Sist" not in pages[2].text
    assert "Kommune Først" in pages[2].text and "Kommune Først" not in pages[0].text
    # and back: the last page links to the newer one before it
    newer = re.search(r'href="(/rounds/\d+/history\?before=\d+)"', pages[2].text).group(1)
    assert client.get(newer).text.count("<tr>") == pages[1].text.count("<tr>")


def test_the_whole_history_is_refused_where_the_round_page_is(app, client, make, monkeypatch):
    sec, round_, _members = history_round(make, 3)
    pages = (f"/rounds/{round_.id}", f"/rounds/{round_.id}/history")

    signed_out = [client.get(p).status_code for p in pages]
    make.login(client, sec)
    missing = [client.get(p.replace(str(round_.id), "999999")).status_code for p in pages]
    # The round rule refusing the view refuses both pages the same way.
    refuse = views.can
    monkeypatch.setattr(views, "can", lambda user, action, *a, **k: action != "view"
                        and refuse(user, action, *a, **k))
    refused = [client.get(p).status_code for p in pages]

    assert signed_out[0] == signed_out[1] and signed_out[0] in (302, 303)
    assert missing == [404, 404]
    assert refused == [403, 403]


@pytest.mark.parametrize("path", ["", "/history"])
def test_the_round_page_and_the_history_page_send_the_same_statements_for_30_and_130_changes(
        app, client, make, path):
    counts, shown = [], []
    for changes in (30, 130):
        sec, round_, _members = history_round(make, changes)
        make.login(client, sec)
        with app.app_context(), counting_queries() as statements:
            html = client.get(f"/rounds/{round_.id}{path}").text
        counts.append(len(statements))
        shown.append(rows(SECTION.search(html).group(0) if not path else html))
        # The changes are read LIMITed in SQL, and counted there.
        read = [s for s in statements if "FROM position_changes" in s]
        assert any("LIMIT" in s for s in read), read
        assert any("count(*)" in s.lower() for s in read), read
        client.post("/logout")

    assert counts[0] == counts[1]
    assert shown == ([25, 25] if not path else [30, 100])
