"""People and accounts administered in the browser: invitations (single use, expiring,
resent), roles and members with one main representative, deactivation that ends every
way in, the last admin, a reset second factor told by email, and who may do which."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from decisions.accounts.models import (
    NO_PASSWORD,
    Invitation,
    LoginSession,
    PasswordReset,
    Role,
    User,
)
from decisions.accounts.services import request_password_reset, start_pending_login
from decisions.audit.models import AuditEntry
from decisions.errors import DomainError, NotAllowed
from decisions.extensions import db
from decisions.meetings.calendar import create_feed
from decisions.meetings.models import CalendarFeed
from decisions.notifications.models import OutboundEmail
from decisions.people import services
from decisions.sweep import sweep
from tests.factories import PASSWORD

NEW = "fire tilfeldige ord her"


def _acts(act: str) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.act == act))


def _link(outbox_row: OutboundEmail) -> str:
    return re.search(r"https?://[^/\s]+(/invitation/\S+)", outbox_row.text_body).group(1)


def _invitation_email(user: User) -> OutboundEmail:
    db.session.commit()
    return db.session.scalars(select(OutboundEmail).where(
        OutboundEmail.user_id == user.id, OutboundEmail.key.like("invitation:%"))
        .order_by(OutboundEmail.id.desc())).first()


@pytest.fixture
def admin(make):
    return make.user(Role.ADMIN)


@pytest.fixture
def secretariat(make):
    return make.user(Role.SECRETARIAT)


# --- Invitations -----------------------------------------------------------------------

def test_an_invitation_makes_an_account_without_a_password_and_queues_the_link(
        app, make, admin):
    member = make.member()
    invitation = services.invite(admin, email="Nina@Asker.kommune.no", name="Nina Ny",
                                 role=Role.REPRESENTATIVE, member=member, main=True)
    db.session.commit()

    user = invitation.user
    assert user.email == "nina@asker.kommune.no" and user.invited
    assert user.password_hash == NO_PASSWORD and user.is_main_representative
    assert invitation.token_hash != invitation.token  # only the hash is kept
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    assert "/invitation/" in _invitation_email(user).text_body
    assert _acts("user.invited") == 1


def test_the_invitation_link_sets_the_password_once_and_signs_in(app, client, make, admin):
    invitation = services.invite(admin, email="nina@asker.kommune.no", name="Nina Ny",
                                 role=Role.BOARD)
    db.session.commit()
    link = _link(_invitation_email(invitation.user))

    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": NEW, "confirm": NEW})

    assert done.status_code == 303 and done.location.endswith("/")
    assert client.get("/proposals/").status_code == 200  # signed in
    assert client.get(link).status_code == 410  # spent
    other = app.test_client()
    assert other.post(link, data={"password": "et annet passord her", "confirm":
                                  "et annet passord her"}).status_code == 410
    assert other.post("/login", data={"email": "nina@asker.kommune.no",
                                      "password": NEW}).status_code == 303
    assert _acts("user.invitation_accepted") == 1


def test_the_invitation_keeps_the_password_rules_and_says_what_is_wrong(
        app, client, make, admin):
    invitation = services.invite(admin, email="nina@asker.kommune.no", name="Nina Ny",
                                 role=Role.BOARD)
    db.session.commit()
    link = _link(_invitation_email(invitation.user))

    response = client.post(link, data={"password": "kort", "confirm": "kort"})

    assert response.status_code == 422 and 'aria-invalid="true"' in response.text
    db.session.refresh(invitation.user)
    assert invitation.user.invited  # nothing saved


def test_an_invitation_expires(app, client, make, admin, clock):
    invitation = services.invite(admin, email="nina@asker.kommune.no", name="Nina Ny",
                                 role=Role.BOARD)
    db.session.commit()
    link = _link(_invitation_email(invitation.user))
    clock.advance(days=14, seconds=1)
    assert client.get(link).status_code == 410
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 410


def test_a_resent_invitation_kills_the_old_link(app, client, make, admin):
    invitation = services.invite(admin, email="nina@asker.kommune.no", name="Nina Ny",
                                 role=Role.BOARD)
    db.session.commit()
    old = _link(_invitation_email(invitation.user))
    services.resend_invitation(admin, invitation.user)
    db.session.commit()
    new = _link(_invitation_email(invitation.user))

    assert old != new
    assert client.get(old).status_code == 410
    assert client.post(new, data={"password": NEW, "confirm": NEW}).status_code == 303
    assert _acts("user.invitation_resent") == 1


def test_no_invitation_is_resent_to_someone_who_has_a_password(app, make, admin):
    with pytest.raises(DomainError):
        services.resend_invitation(admin, make.user(Role.BOARD))


def test_a_role_with_a_second_factor_sets_it_up_after_choosing_the_password(
        app, client, make, admin, clock):
    app.config["TOTP_REQUIRED_ROLES"] = ("secretariat", "admin")
    invitation = services.invite(admin, email="sara@samraad.test", name="Sara Sekretær",
                                 role=Role.SECRETARIAT)
    db.session.commit()
    done = client.post(_link(_invitation_email(invitation.user)),
                       data={"password": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.location.endswith("/login/code")
    page = client.get("/login/code")
    secret = re.search(r'class="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert client.get("/proposals/").status_code == 302  # not in before the code

    code = pyotp.TOTP(secret).at(int(clock().timestamp()))
    assert client.post("/login/code", data={"code": code}).status_code == 303
    assert client.get("/proposals/").status_code == 200


def test_the_invitation_arrives_by_smtp_with_a_link_that_works(app, client, make, admin,
                                                               smtp):
    services.invite(admin, email="nina@asker.kommune.no", name="Nina Ny", role=Role.BOARD)
    db.session.commit()
    with app.app_context():
        sweep()
    (message,) = smtp.to("nina@asker.kommune.no")
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https://samraad\.example(/invitation/\S+)", text).group(1)
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 303


# --- Roles, members and the main representative -----------------------------------------

def test_a_member_has_one_main_representative_and_a_new_one_makes_the_old_a_deputy(
        app, make, admin):
    member = make.member()
    first, second = make.representative(member), make.representative(member)
    services.update_person(admin, first, email=first.email, name=first.name,
                           role=Role.REPRESENTATIVE, member=member, main=True)
    services.update_person(admin, second, email=second.email, name=second.name,
                           role=Role.REPRESENTATIVE, member=member, main=True)
    db.session.commit()
    db.session.refresh(first)
    assert second.is_main_representative and not first.is_main_representative
    assert _acts("user.main_representative_replaced") == 1


def test_the_database_refuses_a_second_main_representative(app, make):
    member = make.member()
    first, second = make.representative(member), make.representative(member)
    first.is_main_representative = True
    db.session.commit()
    second.is_main_representative = True
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_representative_needs_a_member_and_others_have_none(app, make, admin):
    with pytest.raises(DomainError) as refused:
        services.invite(admin, email="x@kommune.test", name="X", role=Role.REPRESENTATIVE)
    assert refused.value.field == "member"
    with pytest.raises(DomainError) as refused:
        services.invite(admin, email="x@kommune.test", name="X", role=Role.BOARD,
                        member=make.member())
    assert refused.value.field == "member"


def test_an_email_belongs_to_one_account(app, make, admin):
    taken = make.user(Role.BOARD, email="kari@asker.kommune.no")
    with pytest.raises(DomainError) as refused:
        services.invite(admin, email="KARI@asker.kommune.no", name="Kari", role=Role.BOARD)
    assert refused.value.field == "email"
    services.update_person(admin, taken, email="kari@asker.kommune.no", name="Kari N",
                           role=Role.BOARD, member=None)  # its own email stays


def test_the_secretariat_cannot_grant_or_touch_the_secretariat_or_admin_role(
        app, make, secretariat, admin):
    board = make.user(Role.BOARD)
    for role in (Role.ADMIN, Role.SECRETARIAT):
        with pytest.raises(DomainError):
            services.invite(secretariat, email=f"{role}@kommune.test", name="X", role=role)
        with pytest.raises(DomainError):
            services.update_person(secretariat, board, email=board.email, name=board.name,
                                   role=role, member=None)
    for act in (services.deactivate, services.reactivate):
        with pytest.raises(NotAllowed):
            act(secretariat, admin)
    with pytest.raises(NotAllowed):
        services.update_person(secretariat, admin, email=admin.email, name="X",
                               role=Role.ADMIN, member=None)
    board.totp_secret = pyotp.random_base32()
    with pytest.raises(NotAllowed):
        services.reset_second_factor(secretariat, board)


def test_the_last_active_admin_can_be_neither_deactivated_nor_demoted(app, make, admin):
    other = make.user(Role.ADMIN)
    services.deactivate(admin, other)
    with pytest.raises(DomainError):
        services.update_person(admin, admin, email=admin.email, name=admin.name,
                               role=Role.BOARD, member=None)
    with pytest.raises(DomainError):
        services.deactivate(None, admin)  # the command line cannot either


def test_nobody_deactivates_themselves(app, make, admin):
    make.user(Role.ADMIN)
    with pytest.raises(DomainError):
        services.deactivate(admin, admin)


# --- Deactivation ------------------------------------------------------------------------

def test_deactivation_ends_sessions_feeds_pending_logins_and_links_at_once(
        app, client, make, admin):
    person = make.user(Role.BOARD)
    make.login(client, person)
    create_feed(person)
    reset = request_password_reset(person.email)
    start_pending_login(person, "/")
    db.session.commit()

    services.deactivate(admin, person)
    db.session.commit()

    assert client.get("/proposals/").status_code == 302  # logged out
    assert db.session.scalar(select(func.count()).select_from(LoginSession).where(
        LoginSession.user_id == person.id, LoginSession.ended_at.is_(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(CalendarFeed).where(
        CalendarFeed.user_id == person.id, CalendarFeed.revoked_at.is_(None))) == 0
    assert db.session.get(PasswordReset, reset.id).used_at is not None
    assert client.post("/login", data={"email": person.email, "password": PASSWORD}
                       ).status_code == 401
    assert db.session.get(User, person.id).name == person.name  # kept for the history


def test_deactivation_ends_an_invitation_and_reactivation_does_not_revive_it(
        app, client, make, admin):
    invitation = services.invite(admin, email="nina@asker.kommune.no", name="Nina Ny",
                                 role=Role.BOARD)
    db.session.commit()
    link = _link(_invitation_email(invitation.user))
    services.deactivate(admin, invitation.user)
    services.reactivate(admin, invitation.user)
    db.session.commit()
    assert client.get(link).status_code == 410
    assert db.session.get(Invitation, invitation.id).used_at is not None


def test_a_reset_second_factor_is_told_to_its_owner_by_email(app, make, admin):
    person = make.user(Role.BOARD)
    person.totp_secret = pyotp.random_base32()
    services.reset_second_factor(admin, person)
    db.session.commit()
    assert person.totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail).where(
        OutboundEmail.user_id == person.id,
        OutboundEmail.key.like("second_factor_reset:%"))) == 1


# --- The pages ---------------------------------------------------------------------------

def test_the_list_searches_and_filters(app, client, make, admin, clock):
    member = make.member()
    kari = make.representative(member, name="Kari Nordmann", email="kari@asker.kommune.no")
    make.user(Role.BOARD, name="Ola Styre", email="ola@styret.test")
    gone = make.user(Role.BOARD, name="Per Borte", email="per@borte.test")
    gone.active = False
    db.session.commit()
    make.login(client, admin)

    def names(query: str) -> set[str]:
        page = client.get(f"/people/?{query}")
        assert page.status_code == 200
        return set(re.findall(r'href="/people/\d+">([^<]+)<', page.text))

    assert names("q=nordmann") == {"Kari Nordmann"}
    assert names("q=STYRET.test") == {"Ola Styre"}
    assert names(f"member={member.id}") == {"Kari Nordmann"}
    assert "Kari Nordmann" not in names("role=board")
    assert names("active=no") == {"Per Borte"}
    assert kari.name in names("last_login=never")
    assert admin.name not in names("last_login=never")  # logged in just now
    make.login(app.test_client(), kari)
    clock.advance(days=400)
    make.login(client, admin)
    assert kari.name in names("last_login=year") and kari.name not in names(
        "last_login=never")
    assert admin.name not in names("last_login=year")
    assert names("second_factor=yes") == set()


def test_an_invitation_with_bad_input_keeps_what_was_typed(app, client, make, secretariat):
    make.user(Role.BOARD, email="taken@kommune.test")
    make.login(client, secretariat)
    response = client.post("/people/invite", data={
        "name": "Nina Ny", "email": "taken@kommune.test", "role": "representative",
        "member": 0, "kind": "deputy"})
    assert response.status_code == 422
    assert 'value="Nina Ny"' in response.text
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.name == "Nina Ny")) == 0


def test_the_invite_form_says_which_field_is_wrong(app, client, make, secretariat):
    make.user(Role.BOARD, email="taken@kommune.test")
    make.login(client, secretariat)
    response = client.post("/people/invite", data={
        "name": "Nina Ny", "email": "taken@kommune.test", "role": "board",
        "member": 0, "kind": "deputy"})
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'id="name-error"' not in response.text


def test_the_secretariat_is_not_offered_the_admin_role(app, client, make, secretariat):
    make.login(client, secretariat)
    page = client.get("/people/invite")
    assert 'value="representative"' in page.text and 'value="admin"' not in page.text
    response = client.post("/people/invite", data={
        "name": "Nina Ny", "email": "nina@kommune.test", "role": "admin", "member": 0,
        "kind": "deputy"})
    assert response.status_code == 422


def test_people_is_in_the_menu_of_the_admin_and_the_secretariat_only(
        app, client, make, admin, secretariat):
    for user, shown in ((admin, True), (secretariat, True), (make.user(Role.BOARD), False)):
        browser = app.test_client()
        make.login(browser, user)
        assert ('href="/people/"' in browser.get("/").text) is shown, user.role


def test_deactivation_without_javascript_asks_first_and_changes_nothing(
        app, client, make, admin):
    person = make.user(Role.BOARD)
    make.login(client, admin)
    asked = client.post(f"/people/{person.id}/deactivate")
    assert asked.status_code == 200 and 'name="confirmed"' in asked.text
    db.session.refresh(person)
    assert person.active
    done = client.post(f"/people/{person.id}/deactivate", data={"confirmed": "1"})
    assert done.status_code == 303
    db.session.refresh(person)
    assert not person.active


def test_flask_users_invite_is_the_same_invitation(app, runner, make):
    member = make.member(name="Asker")
    result = runner.invoke(args=["users", "invite", "ola@asker.kommune.no", "--role",
                                 "representative", "--member", "Asker", "--main"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "ola@asker.kommune.no"))
    assert user.invited and user.is_main_representative and user.member_id == member.id
    assert _invitation_email(user) is not None
    refused = runner.invoke(args=["users", "invite", "x@kommune.test", "--role",
                                  "representative"])
    assert refused.exit_code != 0  # a representative without a member
    assert db.session.scalar(select(User).where(User.email == "x@kommune.test")) is None


def test_a_change_made_meanwhile_is_not_overwritten(app, client, make, admin):
    person = make.user(Role.BOARD, name="Ola Styre")
    make.login(client, admin)
    form = client.get(f"/people/{person.id}/edit").text
    seen = re.search(r'name="version"[^>]*value="([^"]+)"', form).group(1)
    services.update_person(admin, person, email=person.email, name="Ola Styremedlem",
                           role=Role.BOARD, member=None)
    db.session.commit()

    response = client.post(f"/people/{person.id}/edit", data={
        "name": "Ola Annet", "email": person.email, "role": "board", "member": 0,
        "kind": "deputy", "version": seen})

    assert response.status_code == 422 and 'value="Ola Annet"' in response.text
    db.session.refresh(person)
    assert person.name == "Ola Styremedlem"
