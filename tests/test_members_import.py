"""`flask members import FILE.csv`: all rows or none, with an error per bad row."""

import pytest
from sqlalchemy import func, select

from decisions.accounts.models import User
from decisions.audit.models import AuditEntry
from decisions.extensions import db
from decisions.members.models import Member, MemberKind, Subregion

GOOD = """name,kind,subregion
Asker,municipality,Vestregionen
Bærum,municipality,Vestregionen
Nordre Follo,kommune,Follo
Viken fylkeskommune,fylkeskommune,Fylker
Osloregionens næringsforening,other,Andre
"""


@pytest.fixture(autouse=True)
def english(app):
    """The CLI speaks the default language; messages are compared in English, the source."""
    app.config["BABEL_DEFAULT_LOCALE"] = "en"


def write(tmp_path, text: str, name: str = "members.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run_import(runner, path: str):
    return runner.invoke(args=["members", "import", path])


def member_names() -> list[str]:
    return list(db.session.scalars(select(Member.name).order_by(Member.name)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_good_file_imports_every_row_and_creates_its_subregions(runner, tmp_path):
    result = run_import(runner, write(tmp_path, GOOD))

    assert result.exit_code == 0, result.output
    assert "Imported 5 members." in result.output
    assert member_names() == sorted(["Asker", "Bærum", "Nordre Follo", "Viken fylkeskommune",
                                     "Osloregionens næringsforening"])
    assert set(db.session.scalars(select(Subregion.name))) == {
        "Vestregionen", "Follo", "Fylker", "Andre"}
    asker = db.session.scalar(select(Member).where(Member.name == "Asker"))
    assert asker.subregion.name == "Vestregionen" and asker.active


def test_existing_subregion_is_reused_not_duplicated(runner, tmp_path, make):
    make.member("Oslo", subregion_name="Follo")

    result = run_import(runner, write(tmp_path, GOOD))

    assert result.exit_code == 0, result.output
    assert count(Subregion) == 4
    follo = db.session.scalar(select(Subregion).where(Subregion.name == "Follo"))
    assert sorted(m.name for m in follo.members) == ["Nordre Follo", "Oslo"]


BAD_ROWS = {
    "empty name": (",municipality,Follo", "the name is empty"),
    "unknown kind": ("Ås,city,Follo", "not \u201ccity\u201d"),
    "duplicate in the file": ("Asker,kommune,Vestregionen", "Asker is also on line 2"),
    "already a member": ("Lillestrøm,kommune,Nedre Romerike", "Lillestrøm is already a member"),
    "missing subregion": ("Ås,municipality,", "the subregion is empty"),
    "name too long": ("x" * 121 + ",municipality,Follo", "longer than 120 characters"),
}


@pytest.mark.parametrize("bad_row, message", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_one_bad_row_among_good_ones_imports_nothing_and_names_its_line(
        runner, tmp_path, make, bad_row, message):
    make.member("Lillestrøm", subregion_name="Nedre Romerike")
    text = ("name,kind,subregion\nAsker,municipality,Vestregionen\n"
            f"Frogn,kommune,Follo\n{bad_row}\nBærum,kommune,Vestregionen\n")

    result = run_import(runner, write(tmp_path, text))

    assert result.exit_code != 0
    errors = [line for line in result.output.splitlines() if line.startswith("Line ")]
    assert len(errors) == 1
    assert errors[0].startswith("Line 4: ") and message in errors[0]
    db.session.expire_all()
    assert member_names() == ["Lillestrøm"]
    assert count(AuditEntry) == 0


def test_one_file_with_every_kind_of_bad_row_imports_nothing_and_names_each_line(
        runner, tmp_path, make):
    make.member("Lillestrøm", subregion_name="Nedre Romerike")
    text = (
        "name,kind,subregion\n"          # line 1
        "Asker,municipality,Vestregionen\n"   # 2 good
        ",municipality,Vestregionen\n"   # 3 empty name
        "Bærum,city,Vestregionen\n"      # 4 unknown kind
        "Asker,municipality,Vestregionen\n"   # 5 duplicate of line 2
        "Lillestrøm,municipality,Nedre Romerike\n"  # 6 already a member
        "Ås,municipality,\n"             # 7 missing subregion
        "Frogn,municipality,Follo\n"     # 8 good
    )

    result = run_import(runner, write(tmp_path, text))

    assert result.exit_code != 0
    assert "Nothing was imported." in result.output
    lines = {line.split(":", 1)[0]: line for line in result.output.splitlines()
             if line.startswith("Line ")}
    assert sorted(lines) == ["Line 3", "Line 4", "Line 5", "Line 6", "Line 7"]
    assert "name is empty" in lines["Line 3"]
    assert "city" in lines["Line 4"] and "municipality, county or other" in lines["Line 4"]
    assert "also on line 2" in lines["Line 5"]
    assert "Lillestrøm is already a member" in lines["Line 6"]
    assert "subregion is empty" in lines["Line 7"]
    db.session.expire_all()
    assert member_names() == ["Lillestrøm"]
    assert set(db.session.scalars(select(Subregion.name))) == {"Nedre Romerike"}
    assert count(AuditEntry) == 0


def test_line_numbers_count_blank_lines_in_the_file(runner, tmp_path):
    text = "name,kind,subregion\nAsker,municipality,Vestregionen\n\n,municipality,Follo\n"

    result = run_import(runner, write(tmp_path, text))

    assert result.exit_code != 0
    assert "Line 4:" in result.output and "Line 3:" not in result.output
    assert count(Member) == 0


def test_a_missing_column_is_reported_and_nothing_imported(runner, tmp_path):
    result = run_import(runner, write(tmp_path, "name,subregion\nAsker,Vestregionen\n"))

    assert result.exit_code != 0
    assert "lacks the column(s): kind" in result.output
    assert "Nothing was imported." in result.output
    assert count(Member) == 0


def test_an_empty_file_is_reported_as_lacking_every_column(runner, tmp_path):
    result = run_import(runner, write(tmp_path, ""))

    assert result.exit_code != 0
    assert "lacks the column(s): name, kind, subregion" in result.output
    assert count(Member) == 0


def test_headers_only_file_says_it_has_no_members(runner, tmp_path):
    result = run_import(runner, write(tmp_path, "name,kind,subregion\n"))

    assert result.exit_code != 0
    assert "The file has no members." in result.output


def test_a_file_that_is_not_utf8_gets_a_clear_message(runner, tmp_path):
    path = write(tmp_path, "name,kind,subregion\nBærum,kommune,Vestregionen\n",
                 encoding="latin-1")

    result = run_import(runner, path)

    assert result.exit_code != 0
    assert "The file is not UTF-8 text." in result.output
    assert "Traceback" not in result.output
    assert count(Member) == 0


def test_a_file_with_a_byte_order_mark_and_spaced_headers_imports(runner, tmp_path):
    text = "\ufeff Name , Kind ,Subregion\n Asker , Municipality , Vestregionen \n"

    result = run_import(runner, write(tmp_path, text))

    assert result.exit_code == 0, result.output
    assert member_names() == ["Asker"]
    assert db.session.scalar(select(Subregion.name)) == "Vestregionen"


def test_semicolon_separated_file_from_norwegian_excel_imports(runner, tmp_path):
    text = "name;kind;subregion\nAsker;kommune;Vestregionen\nViken;fylke;Fylker\n"

    result = run_import(runner, write(tmp_path, text))

    assert result.exit_code == 0, result.output
    assert member_names() == ["Asker", "Viken"]


def test_kinds_accept_english_and_norwegian_words_in_any_case(runner, tmp_path):
    words = {
        "municipality": MemberKind.MUNICIPALITY, "Kommune": MemberKind.MUNICIPALITY,
        "county": MemberKind.COUNTY, "fylkeskommune": MemberKind.COUNTY,
        "FYLKE": MemberKind.COUNTY, "other": MemberKind.OTHER, "annet": MemberKind.OTHER,
    }
    rows = "".join(f"Medlem {i},{word},Follo\n" for i, word in enumerate(words))

    result = run_import(runner, write(tmp_path, "name,kind,subregion\n" + rows))

    assert result.exit_code == 0, result.output
    kinds = dict(db.session.execute(select(Member.name, Member.kind)).all())
    assert kinds == {f"Medlem {i}": kind for i, kind in enumerate(words.values())}


def test_each_created_member_has_an_audit_entry(runner, tmp_path):
    result = run_import(runner, write(tmp_path, GOOD))
    assert result.exit_code == 0, result.output

    members = {m.id: m for m in db.session.scalars(select(Member))}
    entries = list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.act == "member.created")))
    assert sorted(e.object_id for e in entries) == sorted(members)
    for entry in entries:
        member = members[entry.object_id]
        assert entry.object_type == "members"
        assert entry.after["name"] == member.name
        assert entry.after["kind"] == member.kind.value
        assert entry.after["subregion_id"] == member.subregion_id


def test_names_differing_only_in_case_are_the_same_member(app, runner, tmp_path, make):
    make.member("Asker")
    path = tmp_path / "m.csv"
    path.write_text("name,kind,subregion\nasker,municipality,Vest\nBÆRUM,municipality,Vest\n"
                    "Bærum,municipality,Vest\n", encoding="utf-8")

    result = runner.invoke(args=["members", "import", str(path)])

    assert result.exit_code != 0
    assert "Line 2" in result.output and "Line 4" in result.output
    assert "Line 3" not in result.output


def test_empty_rows_that_spreadsheets_add_at_the_end_are_skipped(app, runner, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("name,kind,subregion\nAsker,municipality,Vest\n,,\n,,\n", encoding="utf-8")

    result = runner.invoke(args=["members", "import", str(path)])

    assert result.exit_code == 0, result.output
    from decisions.extensions import db
    from decisions.members.models import Member
    assert [m.name for m in db.session.query(Member)] == ["Asker"]


def test_a_field_too_long_for_the_csv_reader_is_a_clear_error_not_a_traceback(app, runner,
                                                                            tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("name,kind,subregion\n" + "x" * 200_000 + ",municipality,Vest\n",
                    encoding="utf-8")

    result = runner.invoke(args=["members", "import", str(path)])

    assert result.exit_code != 0
    assert "field larger than field limit" in result.output  # said, not raised
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                      SystemExit)


def test_control_characters_in_a_row_are_refused(app, runner, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("name,kind,subregion\nAs\x00ker,municipality,Vest\n", encoding="utf-8")

    result = runner.invoke(args=["members", "import", str(path)])

    assert result.exit_code != 0
    assert "Line 2" in result.output or "Linje 2" in result.output


def test_representatives_import_from_the_command_line_all_or_nothing(runner, tmp_path, make):
    make.member("Asker")
    bad = run_reps(runner, write(tmp_path, "name,email,member\nAnne,anne@asker.no,Asker\n"
                                 "Per,per@x.no,Atlantis\n"))
    assert bad.exit_code != 0 and "Line 3:" in bad.output and "Atlantis" in bad.output
    assert count(User) == 0

    good = run_reps(runner, write(tmp_path, "name,email,member\nAnne,anne@asker.no,Asker\n"))
    assert good.exit_code == 0, good.output
    assert "Imported 1 representatives." in good.output
    assert db.session.scalar(select(User.email)) == "anne@asker.no"


def run_reps(runner, path: str):
    return runner.invoke(args=["members", "import-representatives", path])
