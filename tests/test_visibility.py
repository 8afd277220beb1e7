"""Visibility is one rule per kind read two ways: `can(user, "view", obj)` for an object
in hand and `visible(user, kind)` as SQL for queries and search. Over the whole test
world and every role, both readings select the same objects."""

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from decisions.clock import oslo
from decisions.extensions import db
from decisions.files.services import add_attachment
from decisions.meetings.models import GroupRole
from decisions.permissions import BY_ROLE_ONLY, SEEN, can, visible
from tests import world as worlds


def _users(world) -> list[tuple[str, object]]:
    users = [("anonymous", AnonymousUserMixin()), *world.users.items()]
    assert [name for name, _user in users] == list(worlds.ROLES)
    return users


@pytest.fixture
def world(app, make):
    world = worlds.build(make, with_meetings=True)
    # Edge cases the world lacks: an item removed from the agenda, with its attachment,
    # and an attachment on a draft proposal.
    sec = world.users["secretariat"]
    removed = make.item(sec, world.meetings.meeting, "Trukket sak")
    add_attachment(sec, data=make.pdf_bytes(), filename="trukket.pdf", item=removed)
    add_attachment(sec, data=make.pdf_bytes(), filename="utkast.pdf", proposal=world.draft)
    removed.removed = True
    # Chairs whose term ends on the held meeting's day, or begins the day after it: the
    # first reads its draft minutes, the second not.
    day = oslo(world.meetings.held.starts_at).date()
    ending = make.seat(world.meetings.group, role=GroupRole.CHAIR, user_=world.users["admin"])
    ending.term_end = day
    make.seat(world.meetings.group, role=GroupRole.CHAIR, term_start=day + timedelta(days=1),
              user_=world.users["other_representative"])
    db.session.commit()
    assert can(world.users["admin"], "view_minutes", world.meetings.held)
    assert not can(world.users["other_representative"], "view_minutes", world.meetings.held)
    return world


@pytest.mark.parametrize("kind", sorted(SEEN))
def test_the_object_rule_and_the_sql_rule_see_the_same_objects_for_every_role(
        app, world, kind):
    model = SEEN[kind][0]
    objects = db.session.scalars(select(model)).all()
    assert objects, f"the test world has no {kind}"
    for role, user in _users(world):
        by_object = {o.id for o in objects if can(user, "view", o, kind=kind)}
        by_sql = set(db.session.scalars(select(model.id).where(visible(user, kind))))
        assert by_sql == by_object, (kind, role)
        db.session.expire_all()


def test_the_clauses_kept_per_role_read_nothing_of_the_user_but_the_role(app, world):
    """visible() keeps one clause per role for BY_ROLE_ONLY: for those kinds, users of
    one role (representatives of different members, say) get the same SQL."""
    def sql(user, kind) -> str:
        return str(SEEN[kind][1](user).sql().compile(
            db.engine, compile_kwargs={"literal_binds": True}))

    by_role: dict = {}
    for _name, user in _users(world)[1:]:
        by_role.setdefault(user.role, []).append(user)
    assert any(len(users) > 1 for users in by_role.values())
    for kind in sorted(BY_ROLE_ONLY):
        for users in by_role.values():
            assert len({sql(user, kind) for user in users}) == 1, kind
            assert visible(users[0], kind) is visible(users[-1], kind)
