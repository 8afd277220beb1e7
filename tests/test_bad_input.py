"""Bad input gets a clear message next to its field, keeps what was typed, saves nothing,
and never shows a stack trace."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.clock import now
from decisions.errors import DomainError
from decisions.extensions import db
from decisions.proposals import services
from decisions.proposals.models import (
    Position,
    PositionChange,
    PositionKind,
    Procedure,
    Proposal,
    ProposalStatus,
    Round,
)

TYPED_RESOLUTION = "Osloregionen slutter seg til den felles ladestrategien."
TYPED_BACKGROUND = "Strategien ble drøftet i **styret** i februar."


class Form(HTMLParser):
    """The fields of a page: each field's error messages (from the `.field` wrapper that
    holds it), the values of inputs and textareas, and which radios are checked."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.checked: dict[str, list[str]] = {}
        self.errors: dict[str, list[str]] = {}  # field id -> messages in its wrapper
        self.all_errors: list[str] = []
        self.ids: set[str] = set()
        self.has_html_element = False
        self._wrappers: list[dict] = []  # open .field wrappers: depth, ids, messages
        self._depth = 0
        self._textarea: str | None = None
        self._error: list[str] | None = None
        self.feed(html)
        self.close()

    VOID = {"input", "br", "img", "meta", "link", "hr"}

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.has_html_element = True
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag not in self.VOID:
            self._depth += 1
        classes = attrs.get("class", "").split()
        if "field" in classes:
            self._wrappers.append({"depth": self._depth, "fields": [], "messages": []})
        if tag in ("input", "textarea", "select") and self._wrappers:
            self._wrappers[-1]["fields"].append(attrs.get("id") or attrs.get("name"))
        if tag == "input":
            name = attrs.get("name", "")
            if attrs.get("type") in ("radio", "checkbox"):
                if "checked" in attrs:
                    self.checked.setdefault(name, []).append(attrs.get("value", ""))
            else:
                self.values[name] = attrs.get("value", "")
        if tag == "textarea":
            self._textarea = attrs.get("name", "")
            self.values[self._textarea] = ""
        if "field-error" in classes:
            self._error = []

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        if self._error is not None and tag == "p":
            message = "".join(self._error).strip()
            self.all_errors.append(message)
            if self._wrappers:
                self._wrappers[-1]["messages"].append(message)
            self._error = None
        if self._wrappers and self._wrappers[-1]["depth"] == self._depth:
            wrapper = self._wrappers.pop()
            for field in wrapper["fields"]:
                self.errors.setdefault(field, []).extend(wrapper["messages"])
            if not wrapper["fields"]:  # a fieldset: errors belong to its id
                self.errors.setdefault("?", []).extend(wrapper["messages"])
        if tag not in self.VOID:
            self._depth -= 1

    def handle_data(self, data):
        if self._textarea is not None:
            self.values[self._textarea] += data
        if self._error is not None:
            self._error.append(data)


def count(model) -> int:
    # End the test's own transaction first: on SQLite it would still see the database
    # as it was before the last request, and a count that cannot change proves nothing.
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(model))


def login(client, make, user) -> None:
    make.login(client, user)
    db.session.commit()  # the login read the user: do not keep that snapshot open


@pytest.fixture(autouse=True)
def english(client):
    """Messages are compared in English, the source language; bokmål is the default."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def secretariat(app, client, make):
    user = make.user(Role.SECRETARIAT)
    login(client, make, user)
    return user


# New proposal


def test_new_proposal_without_title_is_refused_next_to_the_title_and_keeps_the_text(
        client, make, secretariat):
    area = make.area()
    audit_before = count(AuditEntry)

    response = client.post("/proposals/new", data={
        "title": "  ", "area": area.id, "resolution": TYPED_RESOLUTION,
        "background": TYPED_BACKGROUND})

    assert response.status_code == 422
    form = Form(response.text)
    assert form.errors["title"] == ["Write a title."]
    assert form.errors["resolution"] == [] and form.errors["background"] == []
    assert form.values["resolution"].strip() == TYPED_RESOLUTION
    assert form.values["background"].strip() == TYPED_BACKGROUND
    assert count(Proposal) == 0
    assert count(AuditEntry) == audit_before


def test_new_proposal_with_an_unknown_area_is_refused_next_to_the_area(
        client, make, secretariat):
    make.area()

    response = client.post("/proposals/new", data={
        "title": "Ladestrategi", "area": "abc", "resolution": TYPED_RESOLUTION})

    assert response.status_code == 422
    form = Form(response.text)
    assert form.errors["area"], response.text
    assert form.values["title"] == "Ladestrategi"
    assert count(Proposal) == 0


# Circulating


def circulate(client, proposal_id: int, deadline: str, **extra):
    data = {"procedure": "consent", "scope": "all", "deadline": deadline, **extra}
    return client.post(f"/proposals/{proposal_id}/circulate", data=data)


def assert_not_circulated(proposal_id: int, audit_before: int) -> None:
    assert count(Round) == 0
    proposal = db.session.get(Proposal, proposal_id)  # fresh: count() ended the transaction
    assert proposal.status == ProposalStatus.DRAFT and proposal.case_number is None
    assert proposal.versions == []
    assert count(AuditEntry) == audit_before


def test_circulating_with_a_deadline_in_the_past_is_refused_next_to_the_deadline(
        client, make, secretariat):
    make.member("Asker")
    proposal = make.proposal(secretariat)
    audit_before = count(AuditEntry)

    # The clock stands at 2 March 2026 10:00 in Oslo.
    response = circulate(client, proposal.id, "2026-03-01T12:00", quorum_percent="60")

    assert response.status_code == 422
    form = Form(response.text)
    assert form.errors["deadline"] == ["The deadline must be in the future."]
    assert form.values["deadline"] == "2026-03-01T12:00"
    assert form.values["quorum_percent"] == "60"
    assert_not_circulated(proposal.id, audit_before)


@pytest.mark.parametrize("typed", ["tomorrow", "2026-13-40T12:00", "01.04.2026 12:00", ""])
def test_circulating_with_a_malformed_deadline_is_refused_and_keeps_what_was_typed(
        client, make, secretariat, typed):
    make.member("Asker")
    proposal = make.proposal(secretariat)
    audit_before = count(AuditEntry)

    response = circulate(client, proposal.id, typed)

    assert response.status_code == 422
    form = Form(response.text)
    assert len(form.errors["deadline"]) == 1
    assert form.values["deadline"] == typed
    assert_not_circulated(proposal.id, audit_before)


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_circulating_with_a_deadline_at_the_edge_of_the_calendar_does_not_crash(
        client, make, secretariat, typed):
    make.member("Asker")
    proposal = make.proposal(secretariat)

    response = circulate(client, proposal.id, typed)

    assert response.status_code in (303, 422), response.text[:300]
    if response.status_code == 422:
        assert Form(response.text).errors["deadline"]
        assert count(Round) == 0


def test_circulating_with_a_quorum_that_is_not_a_number_is_refused_next_to_it(
        client, make, secretariat):
    make.member("Asker")
    proposal = make.proposal(secretariat)

    response = circulate(client, proposal.id, "2026-04-01T12:00", quorum_percent="sixty")

    assert response.status_code == 422
    form = Form(response.text)
    assert form.errors["quorum_percent"]
    assert form.values["quorum_percent"] == "sixty"
    assert count(Round) == 0


# Registering an objection


@pytest.fixture
def open_round(app, make):
    secretariat = make.user(Role.SECRETARIAT)
    asker, baerum = make.member("Asker"), make.member("Bærum")
    rep = make.representative(asker)
    round_ = make.round_(secretariat, [asker, baerum])
    make.position(rep, round_, asker, PositionKind.SUPPORT, comment="Godt forslag.")
    return round_.id, asker.id, rep


def test_objection_without_a_reason_is_refused_next_to_the_comment_and_saves_nothing(
        client, make, open_round):
    round_id, member_id, rep = open_round
    login(client, make, rep)
    changes_before, audit_before = count(PositionChange), count(AuditEntry)

    response = client.post(f"/rounds/{round_id}/members/{member_id}/position",
                           data={"kind": "object", "comment": "   "})

    assert response.status_code == 422
    form = Form(response.text)
    assert form.has_html_element
    assert form.errors["comment"] == ["Write the reason. It is required for this position."]
    assert form.checked["kind"] == ["object"]
    assert count(PositionChange) == changes_before
    assert count(AuditEntry) == audit_before
    position = db.session.scalar(select(Position).where(Position.member_id == member_id))
    assert (position.kind, position.comment) == (PositionKind.SUPPORT, "Godt forslag.")


def test_htmx_objection_without_a_reason_answers_200_with_the_error_in_the_fragment(
        client, make, open_round):
    round_id, member_id, rep = open_round
    login(client, make, rep)
    changes_before = count(PositionChange)

    response = client.post(f"/rounds/{round_id}/members/{member_id}/position",
                           data={"kind": "object", "comment": ""},
                           headers={"HX-Request": "true"})

    assert response.status_code == 200
    form = Form(response.text)
    assert not form.has_html_element
    assert "position-panel" in form.ids
    assert form.errors["comment"] == ["Write the reason. It is required for this position."]
    assert form.checked["kind"] == ["object"]
    assert count(PositionChange) == changes_before
    position = db.session.scalar(select(Position).where(Position.member_id == member_id))
    assert position.kind == PositionKind.SUPPORT


def test_the_same_objection_with_a_reason_is_saved_and_counted(client, make, open_round):
    # The control for the two tests above: their "nothing saved" would notice a save.
    round_id, member_id, rep = open_round
    login(client, make, rep)
    changes_before = count(PositionChange)

    response = client.post(f"/rounds/{round_id}/members/{member_id}/position",
                           data={"kind": "object", "comment": "Kostnadene er ikke utredet."},
                           headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert Form(response.text).all_errors == []
    assert count(PositionChange) == changes_before + 1
    position = db.session.scalar(select(Position).where(Position.member_id == member_id))
    assert position.kind == PositionKind.OBJECT


def test_a_position_that_is_not_a_choice_is_refused_and_saves_nothing(
        client, make, open_round):
    round_id, member_id, rep = open_round
    login(client, make, rep)
    changes_before = count(PositionChange)

    response = client.post(f"/rounds/{round_id}/members/{member_id}/position",
                           data={"kind": "veto", "comment": "Nei."})

    assert response.status_code == 422
    form = Form(response.text)
    assert form.all_errors
    assert form.values["comment"].strip() == "Nei."
    assert count(PositionChange) == changes_before


# Unknown ids and odd parameters




@pytest.mark.parametrize("url", [
    "/proposals/999999", "/proposals/999999/edit", "/proposals/999999/circulate",
    "/rounds/999999", "/rounds/999999/board", "/decisions/2099/999",
    "/proposals/99999999999999999999",
    "/rounds/99999999999999999999",
    "/decisions/2099/99999999999999999999",
])
def test_unknown_ids_give_the_not_found_page_without_a_stack_trace(client, secretariat, url):
    response = client.get(url)

    assert response.status_code == 404
    assert "Traceback" not in response.text
    page = Form(response.text)
    assert page.has_html_element
    assert 'class="error-page"' in response.text


def test_unknown_member_of_a_known_round_is_not_found(client, make, open_round, secretariat):
    round_id, _, _ = open_round

    response = client.get(f"/rounds/{round_id}/members/999999/position")

    assert response.status_code == 404
    assert 'class="error-page"' in response.text


def test_unknown_id_in_an_htmx_request_gives_a_not_found_fragment(client, secretariat):
    response = client.get("/rounds/999999/board", headers={"HX-Request": "true"})

    assert response.status_code == 404
    assert not Form(response.text).has_html_element
    assert 'class="error-page"' in response.text


@pytest.mark.parametrize("query", [
    "page=abc", "page=", "page=-3", "page=0", "page=1.5", "page=99999999999999999999",
    "status=nonsense", "area=abc", "area=999999", "area=99999999999999999999",
])
def test_odd_query_parameters_on_the_proposal_list_do_not_crash(client, make, secretariat,
                                                               query):
    make.proposal(secretariat, title="Felles ladestrategi")

    response = client.get(f"/proposals/?{query}")

    assert response.status_code == 200, response.text[:300]




@pytest.mark.parametrize("query", [
    "page=abc", "page=-3", "year=abc", "q=" + "x" * 5000,
    "page=99999999999999999999",
    "year=99999999999999999999",
])
def test_odd_query_parameters_on_the_decision_register_do_not_crash(client, secretariat,
                                                                   query):
    response = client.get(f"/decisions/?{query}")

    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize("query", [
    "page=abc", "object_id=abc", "page=99999999999999999999", "until=9999-12-31",
    "since=0001-01-01", "since=2026-13-45",
])
def test_odd_query_parameters_on_the_audit_log_do_not_crash(client, secretariat, query):
    response = client.get(f"/audit/?{query}")

    assert response.status_code == 200, response.text[:300]


def test_a_deadline_more_than_a_year_ahead_is_refused_next_to_the_field(app, make):
    sec = make.user(Role.SECRETARIAT)
    proposal = make.proposal(sec)

    with pytest.raises(DomainError) as refused:
        services.open_round(sec, proposal, members=[make.member()],
                   deadline=now() + timedelta(days=400), procedure=Procedure.CONSENT)

    assert refused.value.field == "deadline"
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).status == ProposalStatus.DRAFT


def test_a_tampered_draft_version_field_is_a_form_error_not_a_crash(client, make, secretariat):
    proposal = make.proposal(secretariat, title="Felles ladestrategi")

    response = client.post(f"/proposals/{proposal.id}/edit", data={
        "title": "Ny tittel", "area": proposal.area_id, "resolution": TYPED_RESOLUTION,
        "background": "", "lock_version": "abc"})

    assert response.status_code == 422
    assert TYPED_RESOLUTION in response.text
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).title == "Felles ladestrategi"


def test_a_nul_byte_in_a_form_is_refused_before_anything_is_saved(client, make, secretariat):
    response = client.post("/proposals/new", data={
        "title": "Tittel\x00", "area": make.area().id, "resolution": TYPED_RESOLUTION})

    assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0
