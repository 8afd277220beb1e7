"""Hostile text in every text field a user fills in comes out of every page that shows it
harmless: the rendered HTML, parsed (not grepped), holds no script of ours it should
not, no event handler, no javascript: (or data:, vbscript:) URL, no frame or object.

Hypothesis generates the text: known payloads, payloads inside arbitrary text, and
arbitrary text. Each example fills every field through the services and reads the
pages as the secretariat and as the public."""

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decisions.accounts.models import Role
from decisions.extensions import db
from decisions.meetings import agenda, minutes
from decisions.meetings.models import AttendanceStatus, EntryKind, ItemKind
from decisions.proposals import services
from decisions.proposals.models import PositionKind, Procedure

pytestmark = pytest.mark.heavy  # long in all: run first (tests/conftest.py)

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "' onmouseover='alert(1)",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=//evil.example></iframe>",
    "<object data=x></object><embed src=x>",
    "<details open ontoggle=alert(1)>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "{{ 7*7 }}{% raw %}",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<a href='vbscript:msgbox(1)'>x</a>",
    "\u202e<b>bidi</b>",
    "javas\tcript:alert(1)",
]

hostile = st.one_of(
    st.sampled_from(PAYLOADS),
    st.builds(lambda a, p, b: a + p + b, st.text(max_size=15), st.sampled_from(PAYLOADS),
              st.text(max_size=15)),
    st.text(min_size=1, max_size=60),
).map(lambda s: s.replace("\x00", "").strip() or "x")

SEQ = itertools.count(1)
BAD_SCHEME = re.compile(r"^\s*(javascript|vbscript|data):", re.I)


def assert_harmless(html: str, where: str) -> None:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        name = tag.name.lower()
        assert name not in ("iframe", "object", "embed", "frame", "base"), (where, str(tag))
        if name == "script":
            assert (tag.get("src") or "").startswith("/static/"), (where, str(tag)[:200])
        if name == "style":
            raise AssertionError((where, str(tag)[:200]))
        for attribute, value in tag.attrs.items():
            assert not attribute.lower().startswith("on"), (where, str(tag)[:200])
            values = value if isinstance(value, list) else [value]
            if attribute.lower() in ("href", "src", "action", "formaction", "data",
                                     "xlink:href", "srcdoc"):
                for v in values:
                    cleaned = re.sub(r"[\x00-\x20]", "", str(v))
                    assert not BAD_SCHEME.match(cleaned), (where, str(tag)[:200])


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(text=hostile)
def test_hostile_text_in_every_field_renders_harmless(app, make, clock, text):
    clock.set(datetime(2026, 3, 2, 9, tzinfo=UTC))
    sec = make.user(Role.SECRETARIAT, name=text[:200])
    member = make.member(f"Kommune {text[:80]} {next(SEQ)}")
    rep = make.representative(member, name=text[:200])
    proposal = services.create_proposal(sec, title=text[:300], area=make.area(),
                                        background=text, resolution=text)
    round_ = services.open_round(sec, proposal, members=[member],
                                 deadline=clock() + timedelta(days=7),
                                 procedure=Procedure.CONSENT)
    services.register_position(rep, round_, member, kind=PositionKind.OBJECT, comment=text)
    services.answer_objection(sec, round_, member, text)
    group = make.group(f"Gruppe {next(SEQ)}")
    meeting = agenda.plan_meeting(sec, group, starts_at=clock() + timedelta(days=1),
                                  place=text[:200])
    item = agenda.add_item(sec, meeting, kind=ItemKind.DECISION, title=text[:300],
                           proposal=proposal, case_officer=text[:200],
                           proposed_resolution=text, background=text)
    agenda.publish_notice(sec, meeting)  # its PDF takes the text too
    db.session.commit()
    clock.advance(days=2)
    minutes.mark_held(sec, meeting)
    minutes.set_attendance(sec, meeting, person_name=text[:200],
                           status=AttendanceStatus.OTHER, note=text[:300])
    minutes.save_item_minutes(sec, item, lock_version=item.lock_version, notes=text,
                              decision_text=text)
    minutes.add_entry(sec, item, kind=EntryKind.DISSENT, text=text, member=member)
    minutes.add_action(sec, item, description=text, owner=text[:200], due=None)
    db.session.commit()

    app.config["WTF_CSRF_ENABLED"] = False  # test_csrf.py covers the tokens
    browser = app.test_client()
    make.login(browser, sec)
    pages = [f"/proposals/{proposal.id}", f"/rounds/{round_.id}",
             f"/rounds/{round_.id}/board", f"/meetings/{meeting.id}",
             f"/meetings/{meeting.id}/minutes", "/proposals/", "/members/", "/audit/",
             "/search?q=" + (text[:20] or "x"), "/notifications/", "/"]
    for path in pages:
        response = browser.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert_harmless(response.text, path)
    assert_harmless(browser.get("/public/").text, "/public/")


def test_the_checker_finds_what_it_looks_for():
    """The assertion above fails on each kind of harm, so a pass means something."""
    harmful = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>',
               '<a href=" javascript:alert(1)">x</a>', '<iframe src=x></iframe>',
               '<a href="java\tscript:x">x</a>', '<style>x</style>',
               '<form action="data:text/html,x"></form>']
    for html in harmful:
        try:
            assert_harmless(html, "probe")
        except AssertionError:
            continue
        raise AssertionError(f"not caught: {html}")
    assert_harmless('<script src="/static/vendor/htmx/htmx.min.js"></script><a href="/x">x</a>',
                    "probe")
