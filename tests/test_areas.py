"""Areas of operation and strategy areas: the secretariat adds, renames, deactivates and
reactivates them (audited, with errors next to the field); a page per area lists what
the reader may see of its proposals, decisions and agenda items."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from decisions.accounts.models import Role
from decisions.audit.models import AuditEntry
from decisions.errors import Conflict, DomainError, NotAllowed
from decisions.extensions import db
from decisions.permissions import can
from decisions.proposals import services
from decisions.proposals.models import Area, PositionKind
from tests import world as worlds

EN = {"Accept-Language": "en"}


def acts(act: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.act == act))


def test_the_secretariat_adds_a_strategy_area_in_the_browser(app, client, make):
    make.login(client, make.user(Role.SECRETARIAT))

    response = client.post("/areas/new", data={"name_nb": "Grønn omstilling",
                                               "name_en": "Green transition",
                                               "kind": "strategy"})

    assert response.status_code == 303
    area = db.session.scalar(select(Area).where(Area.name_nb == "Grønn omstilling"))
    assert area.strategy and area.active and area.name_en == "Green transition"
    assert acts("area.created") == 1


def test_a_name_in_use_is_refused_next_to_the_field_and_what_was_typed_is_kept(
        app, client, make):
    make.area()  # "Klima og miljø"
    make.login(client, make.user(Role.SECRETARIAT))

    response = client.post("/areas/new", data={"name_nb": "klima og miljø",
                                               "name_en": "Typed in English",
                                               "kind": "operation"}, headers=EN)

    assert response.status_code == 422
    assert "That area exists already." in response.text
    assert 'value="Typed in English"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Area)) == 1


def test_renaming_is_audited_and_a_stale_form_is_a_conflict(app, make):
    sec = make.user(Role.SECRETARIAT)
    area = make.area()
    seen = area.lock_version
    services.edit_area(sec, area, name_nb="Klima, miljø og energi", name_en="Climate",
                       strategy=False, lock_version=seen)
    db.session.commit()
    assert area.name_nb == "Klima, miljø og energi" and acts("area.edited") == 1
    with pytest.raises(Conflict):
        services.edit_area(sec, area, name_nb="Noe annet", name_en="", strategy=False,
                           lock_version=seen)


def test_a_deactivated_area_takes_no_new_proposal_and_its_drafts_keep_it(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    draft = make.proposal(sec)
    area = draft.area
    make.login(client, sec)

    assert client.post(f"/areas/{area.id}/deactivate").status_code == 303
    db.session.expire_all()
    assert not db.session.get(Area, area.id).active and acts("area.deactivated") == 1
    new_form = client.get("/proposals/new").text
    assert f'value="{area.id}"' not in new_form
    assert f'value="{area.id}"' in client.get(f"/proposals/{draft.id}/edit").text
    with pytest.raises(DomainError):
        services.create_proposal(sec, title="Ny", area=db.session.get(Area, area.id),
                                 background="", resolution="Vedtak.")
    db.session.rollback()

    assert client.post(f"/areas/{area.id}/reactivate").status_code == 303
    db.session.expire_all()
    assert db.session.get(Area, area.id).active and acts("area.reactivated") == 1


def test_only_the_secretariat_edits_areas(app, make):
    area = make.area()
    for user in (make.user(Role.BOARD), make.user(Role.ADMIN),
                 make.representative(make.member())):
        with pytest.raises(NotAllowed):
            services.create_area(user, name_nb="Nytt", name_en="")
        with pytest.raises(NotAllowed):
            services.set_area_active(user, area, False)


def test_the_area_page_shows_a_representative_what_she_may_see_and_no_draft(
        app, client, make):
    world = worlds.build(make, with_meetings=True)
    make.login(client, world.users["representative"])

    page = client.get(f"/areas/{world.area.id}", headers=EN).text

    assert world.circulated.title in page
    assert world.decision.title in page
    assert world.meetings.item.title in page  # the notice is out
    assert world.draft.title not in page
    secretariat = app.test_client()
    make.login(secretariat, world.users["secretariat"])
    assert world.draft.title in secretariat.get(f"/areas/{world.area.id}").text


def test_the_area_page_lists_only_proposals_of_its_own_area(app, client, make):
    sec = make.user(Role.SECRETARIAT)
    member = make.member()
    home = make.area()  # the factories' proposals go here
    other_area = services.create_area(sec, name_nb="Samferdsel", name_en="Transport")
    db.session.commit()
    elsewhere = make.proposal(sec, title="Ny bussrute")
    elsewhere.area = other_area
    db.session.commit()
    round_ = make.round_(sec, [member], make.proposal(sec, title="Klimabudsjett"))
    make.position(sec, round_, member, PositionKind.SUPPORT)
    make.login(client, sec)

    page = client.get(f"/areas/{home.id}").text

    assert "Klimabudsjett" in page and "Ny bussrute" not in page


def test_the_command_line_adds_renames_and_deactivates_through_the_same_services(
        app, runner):
    assert runner.invoke(args=["areas", "add", "Næring", "--en", "Business",
                               "--strategy"]).exit_code == 0
    assert runner.invoke(args=["areas", "rename", "Næring", "Næringsutvikling"]).exit_code == 0
    assert runner.invoke(args=["areas", "deactivate", "Næringsutvikling"]).exit_code == 0
    refused = runner.invoke(args=["areas", "deactivate", "Næringsutvikling"])
    assert refused.exit_code != 0
    db.session.expire_all()
    area = db.session.scalar(select(Area))
    assert (area.name_nb, area.name_en, area.strategy, area.active) == (
        "Næringsutvikling", "Business", True, False)
    assert [acts(a) for a in ("area.created", "area.edited", "area.deactivated")] == [1, 1, 1]


def test_every_signed_in_role_reads_areas_and_only_the_secretariat_edits_them(app, make):
    world = worlds.build(make)
    for role, user in world.users.items():
        secretariat = role == "secretariat"
        assert can(user, "list", kind="area") and can(user, "view", world.area), role
        assert can(user, "create", kind="area") is secretariat, role
        assert can(user, "edit", world.area) is secretariat, role
    assert not can(AnonymousUserMixin(), "view", world.area)
