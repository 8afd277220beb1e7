"""The secretariat's member administration in the browser: add, rename (with history),
close, merge (representatives move, history stays), subregions and counties, the CSV
files with a preview saved all or nothing, and the member picker of a round."""

import base64
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from decisions.accounts.models import Role, User
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from decisions.members.models import County, Member, MemberName, Subregion
from decisions.members.views import digest
from decisions.proposals.models import Outcome, Position, PositionKind, Round, RoundMember
from tests.world import FORM_DEADLINE


@pytest.fixture(autouse=True)
def english(app):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


@pytest.fixture
def secretariat(client, make):
    user = make.user(Role.SECRETARIAT)
    make.login(client, user)
    return user


def reload(obj):
    db.session.commit()
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def audit_count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


# --- Add, rename, close ----------------------------------------------------------------

def test_adding_a_member_with_a_taken_name_keeps_what_was_typed_and_saves_nothing(
        client, make, secretariat):
    asker = make.member("Asker")
    response = client.post("/members/new", data={
        "name": "asker", "kind": "municipality", "subregion": asker.subregion_id,
        "county": 0})

    assert response.status_code == 422
    assert "asker is already a member." in response.text
    assert 'value="asker"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Member)) == 1


def test_a_new_member_lies_in_its_subregion_and_county(client, make, secretariat):
    follo = make.member("Ås").subregion
    akershus = County(name="Akershus", active=True)
    db.session.add(akershus)
    db.session.commit()

    response = client.post("/members/new", data={
        "name": "Frogn", "kind": "municipality", "subregion": follo.id,
        "county": akershus.id})

    assert response.status_code == 303
    frogn = db.session.scalar(select(Member).where(Member.name == "Frogn"))
    assert frogn.subregion_id == follo.id and frogn.county_id == akershus.id
    assert db.session.scalar(select(AuditEntry.act).where(
        AuditEntry.object_id == frogn.id, AuditEntry.object_type == "members")) == \
        "member.created"


def test_a_rename_keeps_the_old_name_with_its_day_and_the_member_page_shows_it(
        client, make, secretariat):
    member = make.member("Nedre Eiker")

    response = client.post(f"/members/{member.id}/edit", data={
        "name": "Drammen", "kind": "municipality", "subregion": member.subregion_id,
        "county": 0, "renamed_on": "2026-01-01", "lock_version": member.lock_version})

    assert response.status_code == 303
    member = reload(member)
    assert member.name == "Drammen"
    assert [(n.name, n.until) for n in member.former_names] == [
        ("Nedre Eiker", date(2026, 1, 1))]
    page = client.get(f"/members/{member.id}").text
    assert "Former names" in page and "Nedre Eiker" in page
    assert db.session.scalar(select(AuditEntry.before).where(
        AuditEntry.act == "member.renamed")) == {"name": "Nedre Eiker"}


def test_an_edit_of_a_member_changed_since_the_form_was_loaded_is_refused(
        client, make, secretariat):
    member = make.member("Hole")
    response = client.post(f"/members/{member.id}/edit", data={
        "name": "Hole kommune", "kind": "municipality", "subregion": member.subregion_id,
        "county": 0, "lock_version": member.lock_version + 1})

    assert response.status_code == 422
    assert "Someone else changed this member" in response.text
    assert reload(member).name == "Hole" and not db.session.scalars(select(MemberName)).all()


def test_a_closed_member_is_not_offered_in_a_new_round(client, make, secretariat):
    kept, closed = make.member("Lier"), make.member("Flå")
    draft = make.proposal(secretariat)

    response = client.post(f"/members/{closed.id}/active", data={"active": "0"})

    assert response.status_code == 303
    assert not reload(closed).active
    form = client.get(f"/proposals/{draft.id}/circulate").text
    assert 'data-name="lier"' in form and 'data-name="flå"' not in form
    # Posted anyway (a stale form), the closed member is not in the round.
    client.post(f"/proposals/{draft.id}/circulate", data={
        "procedure": "consent", "deadline": FORM_DEADLINE, "scope": "chosen",
        "members": [kept.id, closed.id]})
    round_ = db.session.scalar(select(Round))
    assert [m.name for m in round_.members] == ["Lier"]


def test_a_member_in_an_open_round_cannot_be_closed_and_the_round_is_named(
        client, make, secretariat):
    member = make.member("Nes")
    round_ = make.round_(secretariat, [member], make.proposal(secretariat, title="Ladeplan"))

    response = client.post(f"/members/{member.id}/active", data={"active": "0"},
                           follow_redirects=True)

    assert "Ladeplan" in response.text and round_.proposal.case_ref in response.text
    assert reload(member).active


# --- Merger ----------------------------------------------------------------------------

def _merge_form(olds, into=None, on="2026-01-01", new_name="", confirmed=False) -> dict:
    data = {"olds": [m.id for m in olds], "into": into.id if into else 0, "on": on,
            "new_name": new_name}
    return {**data, "confirmed": "1"} if confirmed else data


def test_the_merger_preview_lists_what_moves_and_changes_nothing(client, make, secretariat):
    royken, asker = make.member("Røyken"), make.member("Asker")
    make.representative(royken, name="Rita Røyken")
    entries = audit_count()

    response = client.post("/members/merge", data=_merge_form([royken], asker))

    assert response.status_code == 200
    assert "Preview" in response.text and "Rita Røyken" in response.text
    assert 'name="confirmed" value="1"' in response.text
    assert reload(royken).active and audit_count() == entries


def test_a_merger_moves_the_representatives_and_keeps_old_positions_with_the_old_member(
        client, make, secretariat):
    royken, hurum, asker = make.member("Røyken"), make.member("Hurum"), make.member("Asker")
    rita = make.representative(royken, name="Rita Røyken")
    hans = make.representative(hurum, name="Hans Hurum")
    old_round = make.round_(secretariat, [royken, hurum],
                            make.proposal(secretariat, title="Gammel sak"))
    make.position(rita, old_round, royken, PositionKind.SUPPORT)
    make.position(hans, old_round, hurum, PositionKind.SUPPORT)  # consensus: closed

    response = client.post("/members/merge", data=_merge_form(
        [royken, hurum], asker, on="2020-01-01", confirmed=True))

    assert response.status_code == 303
    for old in (royken, hurum):
        old = reload(old)
        assert not old.active and old.closed_on == date(2020, 1, 1)
        assert old.merged_into_id == asker.id
    assert {u.member_id for u in (reload(rita), reload(hans))} == {asker.id}
    # The round and its positions stay the old members'.
    assert {p.member.name for p in db.session.scalars(select(Position))} == {"Røyken", "Hurum"}
    assert set(db.session.scalars(select(RoundMember.member_id))) == {royken.id, hurum.id}
    assert "Røyken" in client.get(f"/rounds/{old_round.id}").text
    listing = client.get("/members/").text
    assert "merged into Asker" in listing
    assert "Merged into this member" in client.get(f"/members/{asker.id}").text
    acts = set(db.session.scalars(select(AuditEntry.act)))
    assert {"member.merged", "user.member_changed"} <= acts


def test_a_merger_into_a_new_member_creates_it(client, make, secretariat):
    royken, hurum = make.member("Røyken"), make.member("Hurum")

    response = client.post("/members/merge", data=_merge_form(
        [royken, hurum], new_name="Nye Asker", confirmed=True))

    assert response.status_code == 303
    new = db.session.scalar(select(Member).where(Member.name == "Nye Asker"))
    assert new.active and reload(royken).merged_into_id == new.id


def test_a_merger_of_a_member_in_an_open_round_is_refused_naming_the_round(
        client, make, secretariat):
    royken, asker = make.member("Røyken"), make.member("Asker")
    rita = make.representative(royken)
    make.round_(secretariat, [royken, asker], make.proposal(secretariat, title="Åpen sak"))
    entries = audit_count()

    response = client.post("/members/merge", data=_merge_form([royken], asker,
                                                              confirmed=True))

    assert response.status_code == 422
    assert "rounds still open" in response.text and "Åpen sak" in response.text
    assert reload(royken).active and reload(rita).member_id == royken.id
    assert audit_count() == entries


@pytest.mark.parametrize(("case", "message"), [
    ("into itself", "cannot merge into itself"),
    ("future", "cannot be in the future"),
    ("nothing", "Choose the members that merge"),
])
def test_a_merger_that_cannot_be_done_says_why(client, make, secretariat, case, message):
    royken, asker = make.member("Røyken"), make.member("Asker")
    data = {"into itself": _merge_form([royken, asker], asker),
            "future": _merge_form([royken], asker, on="2099-01-01"),
            "nothing": _merge_form([], asker)}[case]

    response = client.post("/members/merge", data={**data, "confirmed": "1"})

    assert response.status_code == 422 and message in response.text
    assert reload(royken).active


# --- Subregions and counties -----------------------------------------------------------

def test_subregions_and_counties_are_added_renamed_and_closed(client, make, secretariat):
    assert client.post("/members/counties/new", data={"name": "Akershus"}).status_code == 303
    county = db.session.scalar(select(County))
    assert client.post(f"/members/counties/{county.id}",
                       data={"name": "Akershus fylke"}).status_code == 303
    assert reload(county).name == "Akershus fylke"
    assert client.post(f"/members/counties/{county.id}/active",
                       data={"active": "0"}).status_code == 303
    assert not reload(county).active


def test_a_subregion_with_active_members_cannot_be_closed(client, make, secretariat):
    follo = make.member("Ås").subregion

    response = client.post(f"/members/subregions/{follo.id}/active", data={"active": "0"},
                           follow_redirects=True)

    assert "still has active members" in response.text
    assert reload(follo).active


def test_a_duplicate_subregion_name_is_shown_next_to_the_field_with_what_was_typed(
        client, make, secretariat):
    make.member("Ås", subregion_name="Follo")

    response = client.post("/members/subregions/new", data={"name": "follo"})

    assert response.status_code == 422
    assert "The subregion follo already exists." in response.text
    assert 'value="follo"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Subregion)) == 1


# --- CSV files ---------------------------------------------------------------------------

def _upload(client, text: str, what: str = "members"):
    return client.post("/members/import", data={
        "what": what, "file": (io.BytesIO(text.encode()), "file.csv")})


def _saved_form(html: str) -> dict:
    fields = dict(re.findall(r'<input[^>]*name="(what|content|digest)"[^>]*value="([^"]*)"',
                             html))
    assert set(fields) == {"what", "content", "digest"}, html
    return fields


def test_an_upload_with_bad_rows_lists_each_line_and_saves_nothing(client, make, secretariat):
    make.member("Lillestrøm")
    text = ("name,kind,subregion,county\n"
            "Asker,kommune,Vestregionen,Akershus\n"      # 2 good
            "Lillestrøm,kommune,Nedre Romerike,\n"       # 3 already a member
            "Ås,by,Follo,\n"                             # 4 bad kind
            "Asker,kommune,Vestregionen,\n")             # 5 duplicate of line 2
    entries = audit_count()

    response = _upload(client, text)

    assert response.status_code == 422
    for line, message in ((3, "Lillestrøm is already a member"), (4, "\u201cby\u201d"),
                          (5, "Asker is also on line 2")):
        assert f"Line {line}: " in response.text and message in response.text
    assert "Line 2:" not in response.text
    assert "Save all rows" not in response.text
    assert db.session.scalar(select(func.count()).select_from(Member)) == 1
    assert audit_count() == entries


def test_a_good_file_is_previewed_then_saved_all_together(client, make, secretariat):
    text = ("name;kind;subregion;county\nAsker;kommune;Vestregionen;Akershus\n"
            "Bærum;kommune;Vestregionen;Akershus\n")

    preview = _upload(client, text)

    assert preview.status_code == 200
    assert "2 rows are ready to be saved." in preview.text and "Akershus" in preview.text
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0
    response = client.post("/members/import/save", data=_saved_form(preview.text))
    assert response.status_code == 303
    members = {m.name: m for m in db.session.scalars(select(Member))}
    assert set(members) == {"Asker", "Bærum"}
    assert members["Asker"].county.name == "Akershus"
    assert members["Asker"].subregion.name == "Vestregionen"


def test_the_save_checks_again_and_saves_nothing_when_a_row_became_bad(
        client, make, secretariat):
    preview = _upload(client, "name,kind,subregion\nAsker,kommune,Vest\nBærum,kommune,Vest\n")
    make.member("Bærum")  # someone added it meanwhile

    response = client.post("/members/import/save", data=_saved_form(preview.text))

    assert response.status_code == 422
    assert "Line 3: " in response.text and "Bærum is already a member" in response.text
    assert list(db.session.scalars(select(Member.name))) == ["Bærum"]


def test_a_changed_file_between_preview_and_save_is_refused(client, make, secretariat):
    preview = _upload(client, "name,kind,subregion\nAsker,kommune,Vest\n")
    fields = _saved_form(preview.text)
    fields["content"] = base64.b64encode(b"name,kind,subregion\nOslo,kommune,Vest\n").decode()

    assert client.post("/members/import/save", data=fields).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0


def test_representatives_are_imported_with_line_numbered_problems(client, make, secretariat):
    make.member("Asker")
    taken = make.user(Role.BOARD, email="taken@example.test")
    bad = _upload(client, "name,email,member\nAnne,anne@asker.no,Asker\nPer,ikke-epost,Asker\n"
                  f"Kari,{taken.email},Asker\nOla,ola@x.no,Atlantis\n", "representatives")
    assert bad.status_code == 422
    assert "Line 3: " in bad.text and "not an email address" in bad.text
    assert "Line 4: " in bad.text and "already has an account" in bad.text
    assert "Line 5: " in bad.text and "Atlantis is not a member" in bad.text

    good = _upload(client, "name,email,member\nAnne,Anne@Asker.no,asker\n", "representatives")
    assert client.post("/members/import/save",
                       data=_saved_form(good.text)).status_code == 303
    anne = db.session.scalar(select(User).where(User.email == "anne@asker.no"))
    assert anne.role == Role.REPRESENTATIVE and anne.member.name == "Asker"


def test_the_exports_list_members_with_county_and_representatives_with_email(
        client, make, secretariat):
    asker = make.member("Asker", subregion_name="Vestregionen")
    asker.county = County(name="Akershus", active=True)
    db.session.commit()
    make.representative(asker, name="Lars Asker", email="lars@asker.no")
    make.member("=HYPERLINK(1)")

    members = client.get("/members/export/members.csv")
    people = client.get("/members/export/representatives.csv")

    assert members.mimetype == "text/csv"
    assert "Asker,municipality,Vestregionen,Akershus,yes" in members.text
    assert "'=HYPERLINK(1)" in members.text  # never a formula in a spreadsheet
    assert "Lars Asker,lars@asker.no,Asker,yes" in people.text


def test_an_exported_members_file_imports_into_an_empty_alliance(client, make, secretariat,
                                                                 app):
    asker = make.member("Asker", subregion_name="Vestregionen")
    text = client.get("/members/export/members.csv").text.lstrip("\ufeff")
    db.session.delete(asker)
    db.session.commit()

    preview = _upload(client, text)

    assert preview.status_code == 200, preview.text
    assert digest("members", text) == _saved_form(preview.text)["digest"]


# --- The member picker of a round -------------------------------------------------------

def test_a_whole_subregion_or_county_chosen_sends_the_round_to_all_its_active_members(
        client, make, secretariat):
    ski, aas = make.member("Ski", subregion_name="Follo"), make.member("Ås",
                                                                      subregion_name="Follo")
    asker = make.member("Asker", subregion_name="Vestregionen")
    oslo = make.member("Oslo", subregion_name="Oslo")
    closed = make.member("Oppegård", subregion_name="Follo")
    closed.active = False
    akershus = County(name="Akershus", active=True)
    asker.county = akershus
    db.session.commit()
    draft = make.proposal(secretariat)

    form = client.get(f"/proposals/{draft.id}/circulate").text
    assert "All of Follo" in form and "All of Akershus" in form and "member-search" in form

    response = client.post(f"/proposals/{draft.id}/circulate", data={
        "procedure": "consent", "deadline": FORM_DEADLINE, "scope": "chosen",
        "subregions": [ski.subregion_id], "counties": [akershus.id]})

    assert response.status_code == 303
    round_ = db.session.scalar(select(Round))
    assert sorted(m.name for m in round_.members) == sorted([ski.name, aas.name, asker.name])
    assert oslo not in round_.members


def test_a_member_whose_objection_stands_on_a_proposal_cannot_be_merged(
        client, make, secretariat):
    royken, asker = make.member("Røyken"), make.member("Asker")
    rita = make.representative(royken)
    round_ = make.round_(secretariat, [royken], make.proposal(secretariat, title="Omstridt"),
                         deadline=timedelta(days=1))
    make.position(rita, round_, royken, PositionKind.OBJECT)
    db.session.execute(update(Round).where(Round.id == round_.id).values(
        outcome=Outcome.NO_CONSENSUS, closed_at=round_.deadline))  # the round has ended
    db.session.commit()

    response = client.post("/members/merge", data=_merge_form([royken], asker,
                                                              confirmed=True))

    assert response.status_code == 422
    assert "objection of one of these members still stands" in response.text
    assert "Omstridt" in response.text
    assert reload(royken).active


def test_an_upload_that_is_not_utf8_or_missing_is_told_next_to_the_field(
        client, make, secretariat):
    latin = client.post("/members/import", data={
        "what": "members",
        "file": (io.BytesIO("name,kind,subregion\nBærum,kommune,Vest\n".encode("latin-1")),
                 "m.csv")})
    missing = client.post("/members/import", data={"what": "members"})

    assert latin.status_code == 422 and "The file is not UTF-8 text." in latin.text
    assert missing.status_code == 422 and "Choose a CSV file." in missing.text
