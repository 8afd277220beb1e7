"""The audit trail: written with every change, readable and filterable by the secretariat."""

import html
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from decisions.accounts.models import Role
from decisions.audit.labels import ACTS, OBJECT_TYPES
from decisions.audit.models import AuditEntry
from decisions.audit.services import record
from decisions.extensions import db
from tests.counting import counting_queries
from tests.factories import login
from tests.world import demo_data


def _demo_secretariat():
    from decisions.accounts.models import User

    demo_data()
    db.session.commit()
    return db.session.scalar(select(User).where(User.email == "sekretariat@samraad.test"))


def test_every_act_and_object_type_in_the_demo_trail_has_a_readable_name(app):
    _demo_secretariat()

    acts = set(db.session.scalars(select(AuditEntry.act).distinct()))
    types = set(db.session.scalars(select(AuditEntry.object_type).distinct()))

    assert acts and acts <= set(ACTS), acts - set(ACTS)
    assert types <= set(OBJECT_TYPES), types - set(OBJECT_TYPES)


def test_the_secretariat_filters_the_trail_by_act_and_reads_it_in_words(app, client):
    sec = _demo_secretariat()
    login(client, sec, "samraad-demo-2026")

    page = client.get("/audit/?act=objection.answered", headers={"Accept-Language": "en"})

    assert page.status_code == 200
    assert page.text.count("<td>Objection answered</td>") == 1
    assert "<td>Position registered</td>" not in page.text
    assert "objection.answered</td>" not in page.text


# --- Paging: newest first, a page at a time from where the last one stopped ------------

ROW = re.compile(r"<td>(?:Member|Medlem) #(\d+)</td>")


def _trail(make, count: int, act: str = "member.renamed"):
    """A secretariat and `count` entries of `act`, each about its own object id (1 ..
    count, in the order written), after the entries of making the secretariat."""
    sec = make.user(Role.SECRETARIAT)
    for n in range(1, count + 1):
        record(sec, act, SimpleNamespace(id=n), object_type="members")
    db.session.commit()
    return sec


def _shown(page) -> list[int]:
    """The object ids of the entries on a page, in their order."""
    return [int(n) for n in ROW.findall(page.text)]


def _link(page, label: str) -> str | None:
    found = re.search(rf'<a [^>]*href="([^"]+)">{label}</a>', page.text)
    return html.unescape(found.group(1)) if found else None


def test_the_trail_is_read_newest_first_a_page_at_a_time_both_ways(app, client, make):
    sec = _trail(make, 120)
    login(client, sec)
    en = {"Accept-Language": "en"}

    first = client.get("/audit/?object_type=members", headers=en)
    assert _shown(first) == list(range(120, 70, -1))
    assert _link(first, "Newer") is None and "Page 1 of" not in first.text
    second = client.get(_link(first, "Older"), headers=en)
    assert _shown(second) == list(range(70, 20, -1))
    third = client.get(_link(second, "Older"), headers=en)
    assert _shown(third) == list(range(20, 0, -1))
    assert _link(third, "Older") is None
    # and back: the newer pages are the same pages
    back = client.get(_link(third, "Newer"), headers=en)
    assert _shown(back) == _shown(second)
    front = client.get(_link(back, "Newer"), headers=en)
    assert _shown(front) == _shown(first)
    assert _link(front, "Newer") is None


def test_a_filter_is_kept_from_page_to_page(app, client, make):
    sec = _trail(make, 60)
    for n in range(61, 121):  # interleaved with entries of another act
        record(sec, "member.changed", SimpleNamespace(id=n), object_type="members")
        record(sec, "member.renamed", SimpleNamespace(id=n), object_type="members")
    db.session.commit()
    login(client, sec)

    first = client.get("/audit/?act=member.renamed", headers={"Accept-Language": "en"})
    older = _link(first, "Older")
    assert "act=member.renamed" in older
    second = client.get(older, headers={"Accept-Language": "en"})
    assert _shown(first) == list(range(120, 70, -1))
    assert _shown(second) == list(range(70, 20, -1))
    assert "act=member.renamed" in _link(second, "Newer")
    assert "act=member.renamed" in _link(second, "Older")


def test_a_short_trail_has_no_paging_links_and_the_links_are_in_bokmal(app, client, make):
    sec = _trail(make, 60)
    login(client, sec)

    few = client.get("/audit/?object_type=members&act=member.renamed&object_id=7")
    many = client.get("/audit/")

    assert _shown(few) == [7]
    assert "Eldre" not in few.text and "Nyere" not in few.text
    assert _link(many, "Eldre") is not None
    assert _link(client.get(_link(many, "Eldre")), "Nyere") is not None


@pytest.mark.parametrize("query", [
    "page=2", "after=abc", "before=abc", "after=-5", "after=0", "before=0",
    "after=99999999999999999999", "after=", "after=1", "before=999999",
])
def test_odd_and_stale_page_addresses_show_the_first_page(app, client, make, query):
    sec = _trail(make, 60)
    login(client, sec)
    first = _shown(client.get("/audit/?object_type=members"))

    page = client.get(f"/audit/?object_type=members&{query}")

    assert page.status_code == 200
    assert _shown(page) == first == list(range(60, 10, -1))


def test_a_page_reads_no_count_of_the_trail_and_translates_each_label_once(app, client,
                                                                            make, monkeypatch):
    sec = _trail(make, 120)
    login(client, sec)
    older = _link(client.get("/audit/"), "Eldre")
    from decisions.audit import views

    asked = []
    monkeypatch.setattr(views, "act_label", lambda act: asked.append(act) or act)
    with counting_queries() as statements:
        page = client.get(older)

    assert page.status_code == 200 and len(_shown(page)) == 50
    trail = [s for s in statements if "audit_entries" in s]
    assert trail and not [s for s in trail if "count(" in s.lower()], trail
    assert sorted(asked) == sorted(set(asked))


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_page_writes_its_moments_as_every_other_page_does(app, language):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    from decisions.locale import format_moment, moments

    summer, winter = datetime(2026, 6, 30, 22, 5, tzinfo=UTC), datetime(2026, 1, 2, 8, 0,
                                                                          tzinfo=UTC)
    with app.test_request_context(), force_locale(language):
        write = moments()
        assert [write(summer), write(winter), write(None)] == [
            format_moment(summer), format_moment(winter), ""]
        assert format_moment(summer).endswith("00:05")  # Oslo time
