"""The demo data as the secretariat would have set it up: every seat reaches its holder,
every chair can approve minutes, every member has its county."""

import re
from pathlib import Path

from sqlalchemy import select

from decisions.accounts.models import User
from decisions.clock import now, oslo
from decisions.demo.data import DEMO_LOGINS
from decisions.extensions import db
from decisions.meetings.models import Group, GroupMembership, Meeting, MeetingState
from decisions.meetings.services import chair_of
from decisions.members.models import Member, MemberKind
from decisions.notifications.models import OutboundEmail
from decisions.permissions import can
from tests.world import demo_data


def test_every_seat_of_a_person_with_a_login_is_linked_and_the_others_have_an_email(app):
    demo_data()
    logins = {u.name: u.id for u in db.session.scalars(select(User))}

    seats = db.session.scalars(select(GroupMembership)).all()

    assert seats
    for seat in seats:
        if seat.person_name in logins:
            assert (seat.user_id, seat.email) == (logins[seat.person_name], None), seat
        else:
            assert seat.user_id is None and seat.email, seat


def test_every_groups_chair_has_a_login_and_may_approve_the_groups_draft_minutes(app):
    demo_data()
    today = oslo(now()).date()

    for group in db.session.scalars(select(Group)):
        chair = chair_of(group, today)
        assert chair is not None and chair.user is not None, group.name
        drafted = db.session.scalars(select(Meeting).where(
            Meeting.group_id == group.id, Meeting.state == MeetingState.MINUTES_DRAFTED)).all()
        assert drafted and all(can(chair.user, "approve_as_chair", m) for m in drafted)


def test_the_boards_drafted_minutes_await_the_chairs_approval(app):
    demo_data()

    drafted = db.session.scalars(select(Meeting).join(Group).where(
        Group.name == "Styret", Meeting.state == MeetingState.MINUTES_DRAFTED)).all()

    assert [m.minutes_ready_at is not None for m in drafted] == [True]


def test_each_demo_member_with_representatives_has_one_main_representative(app):
    demo_data()

    mains = {u.member.name: u.name for u in db.session.scalars(select(User).where(
        User.is_main_representative.is_(True)))}

    assert mains == {"Oslo": "Kari Oslo", "Bærum": "Per Bærum", "Asker": "Lars Asker",
                     "Lillestrøm": "Nina Lillestrøm", "Moss": "Eva Moss"}


def test_every_demo_member_has_its_county(app):
    demo_data()
    county = {m.name: m.county.name for m in db.session.scalars(select(Member))
              if m.county is not None}

    assert len(county) == db.session.query(Member).count()
    assert (county["Oslo"], county["Bærum"], county["Drammen"], county["Gran"],
            county["Lunner"], county["Moss"], county["Tønsberg"], county["Gjøvik"]) == (
        "Oslo", "Akershus", "Buskerud", "Innlandet", "Akershus", "Østfold", "Vestfold",
        "Innlandet")
    assert all(county[m.name] == m.name.split()[0] for m in db.session.scalars(
        select(Member).where(Member.kind == MemberKind.COUNTY)))


def test_the_demos_past_leaves_no_email_to_send(app):
    demo_data()

    assert db.session.scalar(select(OutboundEmail.id)) is None


def test_the_readme_lists_exactly_the_demo_logins():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Demo logins", 1)[1].split("\n## ", 1)[0]

    listed = set(re.findall(r"^\| ([\w.]+@samraad\.test) \|", section, re.MULTILINE))

    assert listed == {email for email, _role, _member, _name in DEMO_LOGINS}
