"""Who may use which route and do what to which object: every route × every role,
and the per-object rules of `can()` asked directly."""

from urllib.parse import urlsplit

import pytest
from flask import current_app, url_for
from flask_login import AnonymousUserMixin

from decisions.accounts.models import Role
from decisions.permissions import can
from tests import world as worlds

pytestmark = pytest.mark.heavy  # long in all: run first (tests/conftest.py)

OK, DENIED, LOGIN, NOT_FOUND = "allowed", "403", "login", "404"
FIELD_ERROR = "422"  # allowed to post, and told what is wrong next to the field

# Expected outcome per role, in the order of worlds.ROLES:
# anonymous, secretariat, representative (of the member in question),
# representative of another member, board, admin.
EVERYONE = dict(zip(worlds.ROLES, (OK, OK, OK, OK, OK, OK)))
SIGNED_IN = dict(zip(worlds.ROLES, (LOGIN, OK, OK, OK, OK, OK)))
SECRETARIAT = dict(zip(worlds.ROLES, (LOGIN, OK, DENIED, DENIED, DENIED, DENIED)))
# The trail holds drafts' texts, so it is the secretariat's alone.
AUDITORS = dict(zip(worlds.ROLES, (LOGIN, OK, DENIED, DENIED, DENIED, DENIED)))
# Members, subregions, counties, mergers and the CSV files: the secretariat and the admin.
MEMBER_MANAGERS = dict(zip(worlds.ROLES, (LOGIN, OK, DENIED, DENIED, DENIED, OK)))
# The board user chairs the world's group: draft minutes are read by the secretariat
# and the chair, and approved (without an item of a later meeting) by the chair alone.
CHAIR = dict(zip(worlds.ROLES, (LOGIN, OK, DENIED, DENIED, OK, DENIED)))
CHAIR_ONLY = dict(zip(worlds.ROLES, (LOGIN, DENIED, DENIED, DENIED, OK, DENIED)))
OWN_MEMBER = dict(zip(worlds.ROLES, (LOGIN, OK, OK, DENIED, DENIED, DENIED)))
# Groups and their seats: the secretariat day to day, and the admin.
SEAT_MANAGERS = dict(zip(worlds.ROLES, (LOGIN, OK, DENIED, DENIED, DENIED, OK)))
# A reply in an objection's conversation is the objecting member's own voice (the
# world's "other" member objects; its representative is the fourth role).
OBJECTOR_ONLY = dict(zip(worlds.ROLES, (LOGIN, DENIED, DENIED, OK, DENIED, DENIED)))
# A notification is its recipient's: to anyone else it is not there.
OWN_NOTIFICATION = dict(zip(worlds.ROLES, (LOGIN, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND,
                                           NOT_FOUND)))
# Logging out lands on the login page whoever asks; there is nothing to deny.
# (test_accounts.py proves that it ends the session.)
TO_LOGIN = dict(zip(worlds.ROLES, (LOGIN,) * 6))
# Only the user's phone knows the right code: the matrix posts a wrong one, which every
# signed-in user may do and is told so (test_totp.py posts the right one).
SIGNED_IN_WRONG_CODE = dict(zip(worlds.ROLES, (LOGIN, *(FIELD_ERROR,) * 5)))

# People and accounts: the admin and the secretariat (the secretariat for representatives
# and board members only); resetting a second factor is the admin's alone.
PEOPLE = dict(zip(worlds.ROLES, (LOGIN, OK, DENIED, DENIED, DENIED, OK)))
ADMIN_ONLY = dict(zip(worlds.ROLES, (LOGIN, DENIED, DENIED, DENIED, DENIED, OK)))
# The invitation's link is the credential; whoever follows it is signed in as the
# invitee (the start page).
FOLLOWS_THE_LINK = EVERYONE

# (endpoint, method, object the URL points at) -> outcome per role. The objects are
# those of tests/world.py; a POST sends a form that succeeds when the role may post it.
MATRIX = {
    ("main.index", "GET", None): SIGNED_IN,
    # Follow-up: the secretariat makes items; the owner (the world's member, whose
    # representative is the third role) and the secretariat record updates.
    ("followup.index", "GET", None): SECRETARIAT,
    ("followup.show", "GET", None): SIGNED_IN,
    ("followup.update", "POST", None): OWN_MEMBER,
    ("followup.new_for_decision", "GET", None): SECRETARIAT,
    ("followup.new_for_decision", "POST", None): SECRETARIAT,
    ("followup.new_for_action", "GET", None): SECRETARIAT,
    ("followup.new_for_action", "POST", None): SECRETARIAT,
    ("followup.edit", "GET", None): SECRETARIAT,
    ("followup.edit", "POST", None): SECRETARIAT,
    ("followup.review", "GET", None): SECRETARIAT,
    ("followup.review", "POST", None): SECRETARIAT,
    ("main.health", "GET", None): EVERYONE,
    ("main.favicon", "GET", None): EVERYONE,
    ("main.accessibility", "GET", None): EVERYONE,
    ("accounts.login", "GET", None): EVERYONE,
    ("accounts.login", "POST", None): EVERYONE,
    ("accounts.logout", "POST", None): TO_LOGIN,
    ("accounts.language", "POST", None): EVERYONE,
    ("members.index", "GET", None): SIGNED_IN,
    ("members.show", "GET", None): SIGNED_IN,
    ("members.new", "GET", None): MEMBER_MANAGERS,
    ("members.new", "POST", None): MEMBER_MANAGERS,
    ("members.edit", "GET", None): MEMBER_MANAGERS,
    ("members.edit", "POST", None): MEMBER_MANAGERS,
    ("members.set_active", "POST", None): MEMBER_MANAGERS,
    ("members.merge", "GET", None): MEMBER_MANAGERS,
    ("members.merge", "POST", None): MEMBER_MANAGERS,
    ("members.places", "GET", None): MEMBER_MANAGERS,
    ("members.new_place", "POST", None): MEMBER_MANAGERS,
    ("members.rename_place", "POST", None): MEMBER_MANAGERS,
    ("members.place_active", "POST", None): MEMBER_MANAGERS,
    ("members.export_members", "GET", None): MEMBER_MANAGERS,
    ("members.export_representatives", "GET", None): MEMBER_MANAGERS,
    ("members.import_file", "GET", None): MEMBER_MANAGERS,
    ("members.import_file", "POST", None): MEMBER_MANAGERS,
    ("members.import_save", "POST", None): MEMBER_MANAGERS,
    ("proposals.index", "GET", None): SIGNED_IN,
    ("proposals.new", "GET", None): SECRETARIAT,
    ("proposals.new", "POST", None): SECRETARIAT,
    ("proposals.show", "GET", "circulated"): SIGNED_IN,
    ("proposals.show", "GET", "draft"): SECRETARIAT,  # drafts: the secretariat's only
    ("proposals.edit", "GET", "draft"): SECRETARIAT,
    ("proposals.edit", "POST", "draft"): SECRETARIAT,
    ("proposals.circulate", "GET", "draft"): SECRETARIAT,
    ("proposals.circulate", "POST", "draft"): SECRETARIAT,
    ("proposals.revise", "GET", "circulated"): SECRETARIAT,
    ("proposals.revise", "POST", "circulated"): SECRETARIAT,
    ("proposals.withdraw", "POST", "circulated"): SECRETARIAT,
    ("proposals.round", "GET", "round"): SIGNED_IN,
    ("proposals.board", "GET", "round"): SIGNED_IN,
    ("proposals.history", "GET", "round"): SIGNED_IN,
    ("proposals.position", "GET", "member"): OWN_MEMBER,
    ("proposals.position", "POST", "member"): OWN_MEMBER,
    ("proposals.confirm", "POST", "member"): OWN_MEMBER,
    ("proposals.answer", "POST", "objector"): SECRETARIAT,
    ("proposals.reply", "POST", "other"): OBJECTOR_ONLY,
    ("register.index", "GET", None): SIGNED_IN,
    ("register.download", "GET", None): SIGNED_IN,
    ("register.show", "GET", "decision"): SIGNED_IN,
    ("ratification.show", "GET", "decision"): SIGNED_IN,
    ("ratification.export", "GET", "decision"): SIGNED_IN,
    ("ratification.local_pdf", "GET", "decision"): SIGNED_IN,
    ("ratification.member", "GET", "member"): SIGNED_IN,
    ("ratification.requirement", "GET", "proposal"): SECRETARIAT,
    ("ratification.requirement", "POST", "proposal"): SECRETARIAT,
    # The member's representative, or the secretariat on its written behalf.
    ("ratification.record", "GET", "decision"): OWN_MEMBER,
    ("ratification.record", "POST", "decision"): OWN_MEMBER,
    ("ratification.report_back", "POST", "planned"): SECRETARIAT,
    ("audit.index", "GET", None): AUDITORS,
    ("public.index", "GET", None): EVERYONE,
    ("public.decision", "GET", "decision"): EVERYONE,
    ("public.meetings", "GET", None): EVERYONE,
    ("public.minutes", "GET", "approved"): EVERYONE,
    ("public.calendar", "GET", None): EVERYONE,
    ("public.calendar_feed", "GET", None): EVERYONE,
    ("public.meetings_download", "GET", None): EVERYONE,
    ("public.document", "GET", "approved"): EVERYONE,
    ("public.document", "GET", "meeting"): EVERYONE,
    # Open data (OParl 1.1): read-only JSON for anyone.
    **{(f"oparl.{endpoint}", "GET", None): EVERYONE for endpoint in (
        "system", "bodies", "body", "legislative_terms", "legislative_term",
        "organizations", "group", "member", "persons", "person", "membership", "meetings",
        "meeting", "location", "agenda_item", "files", "file", "file_content", "papers",
        "paper", "round_consultation", "item_consultation", "ratification_consultation",
        "file_download", "paper_file", "paper_file_content", "paper_file_download")},
    ("search.index", "GET", None): SIGNED_IN,
    ("meetings.groups", "GET", None): SIGNED_IN,
    ("meetings.group", "GET", "group"): SIGNED_IN,
    ("meetings.new_meeting", "GET", "group"): SECRETARIAT,
    ("meetings.new_meeting", "POST", "group"): SECRETARIAT,
    ("meetings.meeting", "GET", "meeting"): SIGNED_IN,
    ("meetings.meeting", "GET", "planned"): SECRETARIAT,  # no notice out yet
    ("meetings.edit_meeting", "GET", "planned"): SECRETARIAT,
    ("meetings.edit_meeting", "POST", "planned"): SECRETARIAT,
    ("meetings.cancel", "POST", "planned"): SECRETARIAT,
    ("meetings.publish", "POST", "planned"): SECRETARIAT,
    ("meetings.held", "POST", "meeting"): SECRETARIAT,
    ("meetings.add_item", "POST", "meeting"): SECRETARIAT,
    ("meetings.reorder", "POST", "meeting"): SECRETARIAT,
    ("meetings.edit_item", "GET", "item"): SECRETARIAT,
    ("meetings.edit_item", "POST", "item"): SECRETARIAT,
    ("meetings.remove_item", "POST", "item"): SECRETARIAT,
    ("meetings.move_item", "POST", "item"): SECRETARIAT,
    ("meetings.document", "GET", "meeting"): SIGNED_IN,
    ("meetings.document", "GET", "approved"): SIGNED_IN,
    ("meetings.minutes", "GET", "held"): CHAIR,  # a draft: secretariat and chair
    ("meetings.minutes", "GET", "approved"): SIGNED_IN,
    ("meetings.save_minutes", "POST", "held_item"): SECRETARIAT,
    ("meetings.add_entry", "POST", "held_item"): SECRETARIAT,
    ("meetings.add_absence", "POST", "held_item"): SECRETARIAT,
    ("meetings.add_action", "POST", "held_item"): SECRETARIAT,
    ("meetings.remove_line", "POST", "entry"): SECRETARIAT,
    ("meetings.attendance", "POST", "held"): SECRETARIAT,
    ("meetings.officers", "POST", "held"): SECRETARIAT,
    ("meetings.change_attendance", "POST", "attendance"): SECRETARIAT,
    ("meetings.remove_attendance", "POST", "attendance"): SECRETARIAT,
    ("meetings.approve", "POST", "held"): CHAIR_ONLY,
    ("meetings.minutes_ready", "POST", "held"): SECRETARIAT,
    ("meetings.manage_groups", "GET", None): SEAT_MANAGERS,
    ("meetings.new_group", "GET", None): SEAT_MANAGERS,
    ("meetings.new_group", "POST", None): SEAT_MANAGERS,
    ("meetings.edit_group", "GET", "group"): SEAT_MANAGERS,
    ("meetings.edit_group", "POST", "group"): SEAT_MANAGERS,
    ("meetings.new_seat", "GET", "group"): SEAT_MANAGERS,
    ("meetings.new_seat", "POST", "group"): SEAT_MANAGERS,
    ("meetings.edit_seat", "GET", "seat"): SEAT_MANAGERS,
    ("meetings.edit_seat", "POST", "seat"): SEAT_MANAGERS,
    ("meetings.end_seat", "POST", "seat"): SEAT_MANAGERS,
    ("meetings.change_chair", "GET", "group"): SEAT_MANAGERS,
    ("meetings.change_chair", "POST", "group"): SEAT_MANAGERS,
    ("meetings.change_term", "GET", "group"): SEAT_MANAGERS,
    ("meetings.change_term", "POST", "group"): SEAT_MANAGERS,
    # A seat holder outside Samråd: the signed address is the credential (no login).
    ("papers.document", "GET", "papers"): EVERYONE,
    ("files.upload_to_item", "GET", "item"): SECRETARIAT,
    ("files.upload_to_item", "POST", "item"): SECRETARIAT,
    ("files.upload_to_proposal", "GET", "circulated"): SECRETARIAT,
    ("files.upload_to_proposal", "POST", "circulated"): SECRETARIAT,
    ("files.upload_to_proposal", "GET", "draft"): SECRETARIAT,
    ("files.upload_to_proposal", "POST", "draft"): SECRETARIAT,
    ("files.download", "GET", "attachment"): SIGNED_IN,  # its meeting's notice is out
    ("files.download", "GET", "proposal_attachment"): SIGNED_IN,
    ("files.remove", "POST", "attachment"): SECRETARIAT,
    ("calendar.meeting", "GET", "meeting"): SIGNED_IN,
    ("calendar.meeting", "GET", "planned"): SECRETARIAT,  # no notice out yet
    # The secret address is the credential: calendar programs cannot log in.
    ("calendar.feed", "GET", "feed"): EVERYONE,
    ("calendar.settings", "GET", None): SIGNED_IN,
    ("calendar.settings", "POST", None): SIGNED_IN,
    ("calendar.revoke", "POST", None): SIGNED_IN,
    # The code step belongs to a login in progress: without one, back to the login.
    ("accounts.second_factor", "GET", None): TO_LOGIN,
    ("accounts.second_factor", "POST", None): TO_LOGIN,
    ("accounts.password", "GET", None): SIGNED_IN,
    ("accounts.code", "GET", None): SIGNED_IN,
    ("accounts.code", "POST", None): SIGNED_IN_WRONG_CODE,
    ("accounts.password", "POST", None): SIGNED_IN,
    ("accounts.forgot", "GET", None): EVERYONE,
    ("accounts.forgot", "POST", None): TO_LOGIN,  # "the link is on its way", at login
    # The link from the email is the credential, as the calendar feed's address is.
    ("accounts.reset", "GET", None): EVERYONE,
    ("accounts.reset", "POST", None): TO_LOGIN,  # the new password is set: log in
    ("notifications.index", "GET", None): SIGNED_IN,
    ("notifications.count", "GET", None): SIGNED_IN,
    ("notifications.follow", "POST", "notification"): OWN_NOTIFICATION,
    ("notifications.read_all", "POST", None): SIGNED_IN,
    ("notifications.settings", "GET", None): SIGNED_IN,
    ("notifications.settings", "POST", None): SIGNED_IN,
    ("people.index", "GET", None): PEOPLE,
    ("people.show", "GET", "representative"): PEOPLE,
    ("people.show", "GET", "admin"): PEOPLE,
    ("people.invite", "GET", None): PEOPLE,
    ("people.invite", "POST", None): PEOPLE,
    ("people.edit", "GET", "representative"): PEOPLE,
    ("people.edit", "POST", "representative"): PEOPLE,
    ("people.edit", "GET", "admin"): ADMIN_ONLY,  # the secretariat leaves admins be
    ("people.edit", "GET", "secretariat"): ADMIN_ONLY,
    ("people.deactivate", "POST", "representative"): PEOPLE,
    ("people.deactivate", "POST", "board"): PEOPLE,
    ("people.reactivate", "POST", "former"): PEOPLE,
    ("people.resend", "POST", "invitee"): PEOPLE,
    ("people.reset_code", "POST", "with_code"): ADMIN_ONLY,
    ("people.accept", "GET", None): FOLLOWS_THE_LINK,
    ("people.accept", "POST", None): FOLLOWS_THE_LINK,
    ("notifications.outbox", "GET", None): SECRETARIAT,
    ("notifications.retry", "POST", "email"): SECRETARIAT,
    ("areas.index", "GET", None): SIGNED_IN,
    ("areas.new", "GET", None): SECRETARIAT,
    ("areas.new", "POST", None): SECRETARIAT,
    ("areas.show", "GET", "area"): SIGNED_IN,
    ("areas.edit", "GET", "area"): SECRETARIAT,
    ("areas.edit", "POST", "area"): SECRETARIAT,
    ("areas.deactivate", "POST", "area"): SECRETARIAT,
    ("areas.reactivate", "POST", "area"): SECRETARIAT,  # in use already: told so
}


# Posts that change only the signed-in user's own session or settings: the world
# stays the same for the next role.
# Posts whose success is the login page.
LANDS_ON_LOGIN = {"accounts.logout", "accounts.forgot", "accounts.reset"}
ACTS_ON_ONESELF = {"accounts.logout", "accounts.language", "accounts.password",
                   "accounts.code",
                   "accounts.forgot", "notifications.follow",
                   "notifications.read_all", "notifications.settings"}


def _routes(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_the_matrix_covers_every_route_and_method_of_the_app(app):
    in_matrix = {(endpoint, method) for endpoint, method, _target in MATRIX}
    assert in_matrix == _routes(app), (
        f"missing from the matrix: {sorted(_routes(app) - in_matrix)}; "
        f"not in the app: {sorted(in_matrix - _routes(app))}")


def test_the_matrix_has_a_user_of_every_role(app, make):
    world = worlds.build(make)
    assert {user.role for user in world.users.values()} == set(Role)
    assert world.users["representative"].member_id == world.member.id
    assert world.users["other_representative"].member_id == world.other.id


def _outcome(response) -> str:
    if response.status_code == 403:
        return DENIED
    if response.status_code == 404:
        return NOT_FOUND
    if response.status_code == 422:
        return FIELD_ERROR
    if response.status_code in (301, 302, 303, 307, 308):
        if urlsplit(response.headers["Location"]).path == "/login":
            return LOGIN
    if 200 <= response.status_code < 400:
        return OK
    return f"unexpected {response.status_code}"


def _url(endpoint: str, target: str | None, world: worlds.World) -> str:
    values = worlds.url_args(endpoint, world, target)
    if target == "draft":
        values = {"id": world.draft.id}
    with current_app.test_request_context():
        return url_for(endpoint, **values)


@pytest.mark.parametrize(("endpoint", "method", "target"), list(MATRIX),
                         ids=[" ".join(filter(None, case)) for case in MATRIX])
def test_route_allows_or_refuses_every_role_as_design_says(app, client, make, endpoint,
                                                           method, target):
    """`client` turns CSRF checks off (test_csrf.py covers them); each role gets its
    own browser."""
    expected = MATRIX[(endpoint, method, target)]
    # The refused roles first, all in one world: a refusal (and a page read) must
    # change nothing, which is checked. A post that changed the world leaves the next
    # role a new one.
    roles = sorted(worlds.ROLES, key=lambda role: expected[role] == OK)
    world, wrong = worlds.build(make, worlds.needs_meetings(endpoint)), []
    for role in roles:
        browser = app.test_client()
        if role != "anonymous":
            make.login(browser, world.users[role])
        entries = worlds.audit_entries()
        url = _url(endpoint, target, world)
        if method == "GET":
            response = browser.get(url)
        else:
            response = browser.post(url, data=worlds.form_data(endpoint, world))
        got = _outcome(response)
        if got != expected[role]:
            wrong.append(f"{role}: expected {expected[role]}, got {got} "
                         f"({response.status_code} {response.location or ''})")
        changed = worlds.audit_entries() != entries
        if changed and method == "GET":
            wrong.append(f"{role}: reading the page changed something")
        elif changed and got != OK and endpoint not in LANDS_ON_LOGIN:
            wrong.append(f"{role}: refused, but the request changed something")
        if changed and endpoint not in ACTS_ON_ONESELF:
            world = worlds.fresh(make, worlds.needs_meetings(endpoint))
    assert not wrong, f"{method} {endpoint} {target or ''}:\n" + "\n".join(wrong)


def test_an_allowed_post_changes_the_audit_count_the_matrix_watches(app, client, make):
    world = worlds.build(make)
    make.login(client, world.users["secretariat"])
    entries = worlds.audit_entries()
    client.post(_url("proposals.withdraw", None, world), data={"confirmed": "1"})
    assert worlds.audit_entries() > entries


def test_no_page_shows_a_draft_to_anyone_but_the_secretariat(app, client, make):
    world = worlds.build(make, with_meetings=True)  # every page has its object
    title = world.draft.title
    pages = [(endpoint, target) for endpoint, method, target in MATRIX if method == "GET"]
    secretariat = app.test_client()
    make.login(secretariat, world.users["secretariat"])
    assert title in secretariat.get("/proposals/?status=draft").text
    leaks = []
    for role in ("representative", "other_representative", "board", "admin"):
        browser = app.test_client()
        make.login(browser, world.users[role])
        for endpoint, target in pages:
            if MATRIX[(endpoint, "GET", target)][role] != OK:
                continue
            for query in ("", "?status=draft"):
                url = _url(endpoint, target, world) + query
                if title.encode() in browser.get(url).get_data():  # PDFs are pages too
                    leaks.append(f"{role}: {url}")
    assert not leaks


# can(), asked directly about the objects whose answer depends on who owns them.


@pytest.fixture
def world(app, make):
    return worlds.build(make)


def _users(world):
    """(role name, user) for every role of the matrix, the anonymous user included."""
    return [("anonymous", AnonymousUserMixin()), *world.users.items()]


def test_a_representative_registers_only_its_own_members_position(world):
    rep, other_rep = world.users["representative"], world.users["other_representative"]
    assert can(rep, "register_position", world.member)
    assert not can(rep, "register_position", world.other)
    assert not can(rep, "register_position", world.objector)
    assert can(other_rep, "register_position", world.other)
    assert not can(other_rep, "register_position", world.member)


def test_the_secretariat_may_register_for_any_member_and_board_admin_anonymous_for_none(
        world):
    for role, user in _users(world):
        if role in ("anonymous", "board", "admin"):
            for member in (world.member, world.other, world.objector):
                assert not can(user, "register_position", member), role
    for member in (world.member, world.other, world.objector):
        assert can(world.users["secretariat"], "register_position", member)


def test_a_draft_is_visible_to_the_secretariat_only(world):
    for role, user in _users(world):
        assert can(user, "view", world.draft) is (role == "secretariat"), role
        assert can(user, "view", world.circulated) is (role != "anonymous"), role


def test_only_the_secretariat_drafts_circulates_revises_withdraws_and_answers(world):
    for role, user in _users(world):
        secretariat = role == "secretariat"
        assert can(user, "create", kind="proposal") is secretariat, role
        for action in ("edit", "circulate"):
            assert can(user, action, world.draft) is secretariat, (role, action)
        for action in ("revise", "withdraw"):
            assert can(user, action, world.circulated) is secretariat, (role, action)
        assert can(user, "answer_objection", world.round) is secretariat, role


def test_every_signed_in_role_reads_proposals_rounds_decisions_and_members(world):
    for role, user in _users(world):
        signed_in = role != "anonymous"
        assert can(user, "list", kind="proposal") is signed_in, role
        assert can(user, "view", world.round) is signed_in, role
        assert can(user, "view", world.decision) is signed_in, role
        assert can(user, "list", kind="decision") is signed_in, role
        assert can(user, "list", kind="member") is signed_in, role
        assert can(user, "view", world.member) is signed_in, role


def test_the_audit_trail_is_for_the_secretariat_alone(world):
    for role, user in _users(world):
        assert can(user, "view", kind="audit") is (role == "secretariat"), role


def test_a_deactivated_user_may_do_nothing(world):
    user = world.users["secretariat"]
    user.active = False
    assert not can(user, "view", world.circulated)
    assert not can(user, "create", kind="proposal")
    assert not can(user, "register_position", world.member)
    assert not can(user, "view", kind="audit")


def test_an_action_the_rules_do_not_name_is_refused_to_everyone(world):
    for role, user in _users(world):
        assert not can(user, "delete", world.decision), role
        assert not can(user, "register_position", world.round), role
        assert not can(user, "edit", world.member), role


def test_a_representative_moved_to_another_member_speaks_only_for_the_new_one(world):
    rep = world.users["representative"]
    rep.member_id = world.other.id
    assert can(rep, "register_position", world.other)
    assert not can(rep, "register_position", world.member)


def test_the_admin_manages_every_account_and_the_secretariat_only_representatives_and_board(
        world):
    admin, sec = world.users["admin"], world.users["secretariat"]
    for name, person in world.users.items():
        assert can(admin, "manage", person), name
        assert can(sec, "manage", person) is (name in ("representative",
                                                        "other_representative", "board")), name
        assert can(admin, "reset_second_factor", person), name
        assert not can(sec, "reset_second_factor", person), name
    for role, user in _users(world):
        assert can(user, "list", kind="person") is (role in ("admin", "secretariat")), role
        assert can(user, "invite", kind="person") is (role in ("admin", "secretariat")), role
        if role not in ("admin", "secretariat"):
            assert not can(user, "manage", world.users["board"]), role
