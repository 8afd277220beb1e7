"""One request, one unit of work: the lifecycle commits or rolls back, never the view."""

import pytest
from flask import g
from sqlalchemy import select

from decisions import lifecycle
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.proposals.models import Area


def _stored() -> list[str]:
    db.session.rollback()  # read what the requests committed, not a snapshot
    return list(db.session.scalars(select(Area.name_nb).order_by(Area.name_nb)))


@pytest.fixture
def routes(app):
    """Test-only views that write an area and answer as told."""
    def write(name: str, status: int = 200, refuse: bool = False, keep: bool = False,
              raise_: bool = False):
        db.session.add(Area(name_nb=name, name_en=name))
        db.session.flush()
        if refuse:
            lifecycle.refused(DomainError("Nei"))
        if keep:
            lifecycle.keep()
        if raise_:
            raise RuntimeError("boom")
        return "svar", status

    app.add_url_rule("/t/ok", "t_ok", lambda: write("ok"), methods=["POST"])
    app.add_url_rule("/t/redirect", "t_redirect", lambda: write("redirect", 303),
                     methods=["POST"])
    app.add_url_rule("/t/422", "t_422", lambda: write("422", 422), methods=["POST"])
    app.add_url_rule("/t/refused", "t_refused", lambda: write("refused", refuse=True),
                     methods=["POST"])
    app.add_url_rule("/t/kept", "t_kept", lambda: write("kept", 401, keep=True),
                     methods=["POST"])
    app.add_url_rule("/t/raises", "t_raises", lambda: write("raises", raise_=True),
                     methods=["POST"])

    def duplicate():
        db.session.add(Area(name_nb="ok", name_en="twice"))  # unique name: fails at commit
        lifecycle.after_commit(lambda: g.setdefault("ran", True))
        return "lagret"

    app.add_url_rule("/t/duplicate", "t_duplicate", duplicate, methods=["POST"])
    return app


def test_an_answer_below_400_commits_what_the_view_wrote(routes, client):
    assert client.post("/t/ok").status_code == 200
    assert client.post("/t/redirect").status_code == 303
    assert _stored() == ["ok", "redirect"]


def test_an_answer_of_400_or_more_or_an_exception_keeps_nothing(routes, client):
    assert client.post("/t/422").status_code == 422
    assert client.post("/t/raises").status_code == 500
    assert _stored() == []


def test_a_refused_request_keeps_nothing_though_it_answers_200(routes, client):
    response = client.post("/t/refused")
    assert response.status_code == 200
    assert _stored() == []


def test_a_kept_refusal_is_committed_though_it_answers_401(routes, client):
    assert client.post("/t/kept").status_code == 401
    assert _stored() == ["kept"]


def test_a_commit_that_fails_is_answered_by_its_error_handler_and_runs_no_after_commit_work(
        routes, client, app):
    client.post("/t/ok")
    ran = []
    with app.test_request_context("/t/duplicate", method="POST"):
        lifecycle.after_commit(lambda: ran.append(True))
        response = app.full_dispatch_request()
    assert response.status_code == 409
    assert ran == []
    assert _stored() == ["ok"]


def test_after_commit_work_runs_once_the_writes_are_stored(app, client):
    seen = []

    def view():
        db.session.add(Area(name_nb="etter", name_en="after"))
        lifecycle.after_commit(lambda: seen.append(_stored()))
        return "ok"

    app.add_url_rule("/t/after", "t_after", view, methods=["POST"])
    with app.test_request_context("/t/after", method="POST"):
        response = app.full_dispatch_request()
    assert response.status_code == 200
    assert seen == [["etter"]]


def test_no_view_ends_the_transaction_itself():
    """The views leave commit and rollback to the lifecycle (services that end a
    reading transaction on purpose, `begin_writes`, are not views)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "decisions"
    views = [*root.glob("*/views.py"), *root.glob("*/*_views.py"), root / "main.py"]
    offending = [str(p.relative_to(root)) for p in views
                 if "session.commit()" in p.read_text() or "session.rollback()" in p.read_text()]
    assert offending == []
