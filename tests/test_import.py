"""`referral-bot import people.csv --municipality ID`: a spreadsheet of people merged into a
directory file, changing only the lines it has to and reporting each row it cannot place."""

from __future__ import annotations

import codecs
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.catalog import check, load_catalog
from bot.errors import BotError
from bot.people_import.checked_write import write_checked
from bot.people_import.sheet import read_sheet
from tests.helpers.new_municipality import fill_in_offices
from tests.helpers.shipped import copy_sormland

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 25)  # the shipped Sörmland files' `reviewed` dates are recent then
MORA = ROOT / "directory" / "mora.yml"

# a file written in block style, as some administrators prefer, with comments in the lists
BLOCK_FILE = """\
# Blockstil, med kommentarer
municipality:
  id: flen
  name: Flens kommun
  code: "0482"
  office_hours:
    mon-fri: "08:00-16:00"
  reception:
    name: Mottagningen
    phone: "0000-32 00 00"
  after_hours:
    name: Socialjouren
    phone: "0000-32 99 00"
age_groups:
  - {id: barn-unga, label: "Barn och unga 0–20 år", ages: "0-20"}
people:
  maja-b:
    name: Maja Brandt   # samordnare
    phone: '0000-32 10 30'
    away:
      - from: 2026-12-20
        to: 2027-01-06

  # Ali började i augusti
  ali-k:
    name: Ali Karimi
schools:
  - name: Stenhammarskolan
    grades: "7-9"
    contacts:
      barn-unga:
        - maja-b   # först
        - ali-k
      # reserver läggs till här
  - name: Flens kristna skola
    grades: "F-9"
    contacts:
      all: maja-b
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A directory folder with the shipped Mora file in it."""
    folder = tmp_path / "directory"
    folder.mkdir()
    shutil.copy(MORA, folder / "mora.yml")
    return folder


def sheet(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "personer.csv"
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))
    return path


def run(csv: Path, folder: Path, municipality: str = "mora") -> int:
    return main(["import", str(csv), "--municipality", municipality, "--directory", str(folder)])


def contacts(folder: Path, school: str) -> dict[str, tuple[str, ...]]:
    loaded = load_catalog([folder]).directory
    return dict(next(s for s in loaded.schools.values() if s.name == school).contacts)


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    """(old, new) of each line that differs, for files with the same number of lines."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def test_a_new_person_is_added_to_two_schools_as_the_last_backup(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = sheet(
        tmp_path,
        "name,title,phone,email,schools,age_groups\n"
        'Eva Nyberg,Kurator,0000-10 02 02,eva.n@mora.example.se,"Ängsskolan; Noretskolan",\n',
    )
    assert run(csv, folder) == 0
    out = capsys.readouterr().out
    assert "people 1 added, 0 updated; 3 contacts added; 0 row(s) not placed" in out
    text = (folder / "mora.yml").read_text(encoding="utf-8")
    # written as its neighbours are: one line, the phone quoted like theirs
    assert (
        "  eva-nyberg: {name: Eva Nyberg, title: Kurator, "
        'phone: "0000-10 02 02", email: eva.n@mora.example.se}\nschools:\n'
    ) in text
    # no age groups named: every group the school has contacts for
    assert contacts(folder, "Ängsskolan F-9") == {
        "barn": ("anna-s", "bertil-k", "eva-nyberg"),
        "unga": ("cecilia-l", "team-tidiga", "eva-nyberg"),
    }
    assert contacts(folder, "Noretskolan 7-9") == {"unga": ("bertil-k", "cecilia-l", "eva-nyberg")}
    assert contacts(folder, "Östnorskolan F-6") == {"barn": ("bertil-k", "anna-s")}


def test_a_new_phone_number_changes_that_line_and_nothing_else(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (folder / "mora.yml").read_text(encoding="utf-8")
    # matched by e-mail (written in capitals here), the name as it is, no schools
    csv = sheet(tmp_path, "name,phone,email\nAnna Svensson,0000-10 09 09,ANNA.S@mora.example.se\n")
    assert run(csv, folder) == 0
    assert "people 0 added, 1 updated; 0 contacts added" in capsys.readouterr().out
    after = (folder / "mora.yml").read_text(encoding="utf-8")
    assert changed_lines(before, after) == [
        (
            '  anna-s: {name: Anna Svensson, title: Socialsekreterare, phone: "0000-10 01 01", '
            "email: anna.s@mora.example.se, slack: U01ABCDEF1}\n",
            '  anna-s: {name: Anna Svensson, title: Socialsekreterare, phone: "0000-10 09 09", '
            "email: anna.s@mora.example.se, slack: U01ABCDEF1}\n",
        )
    ]


def test_an_unknown_school_is_reported_with_its_row_and_that_row_changes_nothing(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = sheet(
        tmp_path,
        "name,email,schools\n"
        "Eva Nyberg,eva.n@mora.example.se,Noretskolan\n"
        "Olle Berg,olle.b@mora.example.se,Ängsbacka skola;Noretskolan\n",
    )
    assert run(csv, folder) == 1
    captured = capsys.readouterr()
    assert (
        "row 3: no school 'Ängsbacka skola' in Mora kommun — did you mean 'Ängsskolan F-9'?"
        in captured.err
    )
    assert "people 1 added, 0 updated; 1 contacts added; 1 row(s) not placed" in captured.err
    text = (folder / "mora.yml").read_text(encoding="utf-8")
    assert "Eva Nyberg" in text
    assert "Olle Berg" not in text and "olle-berg" not in text  # not even at Noretskolan
    assert contacts(folder, "Noretskolan 7-9") == {"unga": ("bertil-k", "cecilia-l", "eva-nyberg")}


def test_every_row_that_cannot_be_placed_says_why_without_repeating_its_details(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (folder / "mora.yml").read_bytes()
    csv = sheet(
        tmp_path,
        "name,email,schools,age_groups\n"
        ",nobody@mora.example.se,Noretskolan,\n"
        "Olle Berg,olle.b@mora,Noretskolan,\n"
        "Olle Berg,olle.b@mora.example.se,Noretskolan,ungdom\n"
        "Olle Berg,olle.b@mora.example.se,Prästholmen,unga\n"
        "Olle Berg,olle.b@mora.example.se,,\n",
    )
    assert run(csv, folder) == 1
    err = capsys.readouterr().err
    assert "row 2: no name: write the person's or the team's name" in err
    assert "row 3: the e-mail is not an e-mail address (name@example.se)" in err
    assert "row 4: unknown age group 'ungdom'" in err and "did you mean 'unga'?" in err
    assert (
        "row 5: 'Prästholmens förskola' (grades förskola) has no contacts for age group 'unga'"
        in err
    )
    assert "row 6: a new person needs a school" in err
    assert "olle.b@mora" not in err  # the report names the row, not what is in it
    assert (folder / "mora.yml").read_bytes() == before


def test_a_semicolon_sheet_from_excel_with_bom_and_swedish_headers(
    tmp_path: Path, folder: Path
) -> None:
    csv = sheet(
        tmp_path,
        "Namn;Titel;Telefon;E-post;Skolor;Åldersgrupper\r\n"
        'Eva Nyberg;Kurator;0000-10 02 02;eva.n@mora.example.se;"Ängsskolan;Morkarlbyhöjden";'
        "Unga 13–20 år\r\n",
        bom=True,
    )
    assert run(csv, folder) == 0
    assert contacts(folder, "Ängsskolan F-9")["unga"][-1] == "eva-nyberg"
    assert contacts(folder, "Ängsskolan F-9")["barn"] == ("anna-s", "bertil-k")  # only unga
    assert contacts(folder, "Morkarlbyhöjdens skola 7-9")["unga"][-1] == "eva-nyberg"
    eva = load_catalog([folder]).directory.municipalities["mora"].people["eva-nyberg"]
    assert (eva.name, eva.title, eva.phone) == ("Eva Nyberg", "Kurator", "0000-10 02 02")


def test_flow_style_entries_get_the_new_field_inside_their_braces(
    tmp_path: Path, folder: Path
) -> None:
    path = folder / "mora.yml"
    # an entry over two lines, as the README shows them, without an e-mail yet
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            '  david-o: {name: David Olsson, title: Socialsekreterare, phone: "0000-10 01 04",'
            " email: david.o@mora.example.se}\n",
            "  david-o: {name: David Olsson, title: Socialsekreterare,\n"
            '            phone: "0000-10 01 04"}   # ny från november\n',
        ),
        encoding="utf-8",
    )
    before = path.read_text(encoding="utf-8")
    csv = sheet(tmp_path, "namn,titel,e-post\nDavid Olsson,Kurator,david.o@mora.example.se\n")
    assert run(csv, folder) == 0
    assert changed_lines(before, path.read_text(encoding="utf-8")) == [
        (
            "  david-o: {name: David Olsson, title: Socialsekreterare,\n",
            "  david-o: {name: David Olsson, title: Kurator,\n",
        ),
        (
            '            phone: "0000-10 01 04"}   # ny från november\n',
            '            phone: "0000-10 01 04", email: david.o@mora.example.se}   # ny från '
            "november\n",
        ),
    ]


def test_block_style_gets_new_lines_at_the_indentation_of_their_neighbours(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "directory"
    folder.mkdir()
    (folder / "flen.yml").write_bytes(BLOCK_FILE.replace("\n", "\r\n").encode())  # from Windows
    csv = sheet(
        tmp_path,
        "name,title,phone,email,schools\n"
        "Maja Brandt,Kurator,0000-32 10 31,,\n"
        'Bo Ek,,0000-32 10 40,bo.e@flen.example.se,"Stenhammarskolan;Flens kristna skola"\n',
    )
    assert run(csv, folder, "flen") == 0
    assert "people 1 added, 1 updated; 2 contacts added" in capsys.readouterr().out
    raw = (folder / "flen.yml").read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")  # every new line ends as the others do
    assert raw.decode().replace("\r\n", "\n") == BLOCK_FILE.replace(
        "    phone: '0000-32 10 30'\n", "    phone: '0000-32 10 31'\n"
    ).replace("        to: 2027-01-06\n", "        to: 2027-01-06\n    title: Kurator\n").replace(
        "    name: Ali Karimi\n",
        "    name: Ali Karimi\n"
        "  bo-ek:\n    name: Bo Ek\n    phone: '0000-32 10 40'\n    email: bo.e@flen.example.se\n",
    ).replace("        - ali-k\n", "        - ali-k\n        - bo-ek\n").replace(
        "      all: maja-b\n", "      all: [maja-b, bo-ek]\n"
    )


def test_running_the_same_import_again_changes_nothing(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = sheet(
        tmp_path,
        "name,title,phone,email,schools\n"
        "Eva Nyberg,Kurator,0000-10 02 02,eva.n@mora.example.se,Ängsskolan\n"
        "Anna Svensson,,0000-10 09 09,anna.s@mora.example.se,Noretskolan\n",
    )
    assert run(csv, folder) == 0
    once = (folder / "mora.yml").read_bytes()
    capsys.readouterr()
    assert run(csv, folder) == 0
    assert "people 0 added, 0 updated; 0 contacts added" in capsys.readouterr().out
    assert (folder / "mora.yml").read_bytes() == once


def test_the_imported_file_passes_check(tmp_path: Path, folder: Path) -> None:
    csv = sheet(
        tmp_path,
        "name,phone,schools,age_groups\nTeam Norr,0000-10 03 00,Prästholmen;Östnorskolan,barn\n",
    )
    assert run(csv, folder) == 0
    assert main(["check", str(folder)]) == 0


def test_dry_run_shows_the_diff_and_writes_nothing(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (folder / "mora.yml").read_bytes()
    csv = sheet(tmp_path, "name,schools\nEva Nyberg,Noretskolan\n")
    args = ["import", str(csv), "--municipality", "mora", "--directory", str(folder), "--dry-run"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"--- a/{folder / 'mora.yml'}\n+++ b/{folder / 'mora.yml'}\n" in out
    assert (
        "-      unga: [bertil-k, cecilia-l]\n+      unga: [bertil-k, cecilia-l, eva-nyberg]\n"
        in out
    )
    assert "+  eva-nyberg: {name: Eva Nyberg}\n" in out
    assert "dry run, nothing written" in out
    assert (folder / "mora.yml").read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["mora.yml"]  # no temporary file left


def test_a_result_that_would_not_check_is_not_written(tmp_path: Path, folder: Path) -> None:
    path = folder / "mora.yml"
    original = path.read_bytes()
    broken = original.decode().replace("schools:\n", "schools:\n  - name: Halv skola\n", 1)
    problems = write_checked(path, original, broken, folder, dry_run=False)
    # located in the file as it would have been, named by its real name, not the temporary one
    line = broken.splitlines().index("  - name: Halv skola") + 1
    assert [str(p) for p in problems] == [
        f"{path}:{line}:5: error: schools[0] 'Halv skola' is missing 'contacts'",
        f"{path}:{line}:5: error: schools[0] 'Halv skola' is missing 'grades'",
    ]
    assert path.read_bytes() == original
    assert [p.name for p in folder.iterdir()] == ["mora.yml"]


def test_a_file_changed_meanwhile_is_not_overwritten(folder: Path) -> None:
    path = folder / "mora.yml"
    original = path.read_bytes()
    with pytest.raises(BotError, match="was changed while the import ran"):
        write_checked(path, b"# older\n" + original, original.decode(), folder, dry_run=False)
    assert path.read_bytes() == original


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("namn;skolor\n".encode("cp1252") + "Åsa;x\n".encode("cp1252"), "is not UTF-8 text"),
        (b"", "the first row must name the columns"),
        (b"telefon;skolor\n0000;x\n", "no column for the name"),
        (b"namn;name\nx;y\n", "two columns are 'name'"),
    ],
)
def test_a_sheet_that_cannot_be_read_says_why(raw: bytes, message: str) -> None:
    with pytest.raises(BotError, match=message):
        read_sheet(raw, "personer.csv")


def test_a_column_it_does_not_know_is_named_and_left_out(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = sheet(tmp_path, "namn;skolor;Kommentar\nEva Nyberg;Noretskolan;ny i januari\n")
    assert run(csv, folder) == 0
    out = capsys.readouterr().out
    assert "note: column 'Kommentar' left out" in out
    assert "januari" not in (folder / "mora.yml").read_text(encoding="utf-8")


def test_an_unknown_municipality_suggests_the_one_meant(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = sheet(tmp_path, "namn\nEva\n")
    assert run(csv, folder, "moraa") == 1
    assert "no municipality 'moraa' in" in capsys.readouterr().err


def test_a_school_read_with_a_slip_is_placed_and_noted(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = sheet(tmp_path, "namn;skolor\nEva Nyberg;Norrskolan\n\n;\nOlle Berg;Noretskolan\n")
    assert run(csv, folder) == 0
    out = capsys.readouterr().out
    assert "note: row 2: 'Norrskolan' read as 'Noretskolan 7-9'" in out
    assert "row 5" not in out  # the empty rows 3 and 4 are skipped, and counted
    unga = ("bertil-k", "cecilia-l", "eva-nyberg", "olle-berg")
    assert contacts(folder, "Noretskolan 7-9") == {"unga": unga}


def test_schools_in_a_cell_without_quotes_are_explained(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = sheet(
        tmp_path,
        "namn;skolor;åldersgrupper\nEva Nyberg;Ängsskolan;Noretskolan\n"
        "Olle Berg;Ängsskolan;unga;Noretskolan\n",
    )
    assert run(csv, folder) == 1
    err = capsys.readouterr().err
    assert "row 2: 'Noretskolan' under age groups is a school: put several schools" in err
    assert "row 3: more cells than the first row has columns" in err


def test_a_name_several_schools_share_asks_for_the_whole_name(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = folder / "mora.yml"
    two = "".join(
        f'  - name: Hagaskolan {n}\n    grades: "7-9"\n    contacts:\n      unga: [bertil-k]\n'
        for n in (1, 2)
    )
    path.write_text(path.read_text(encoding="utf-8") + two, encoding="utf-8")
    csv = sheet(tmp_path, "namn;skolor\nEva Nyberg;Hagaskolan\nOlle Berg;Hagaskolan 2\n")
    assert run(csv, folder) == 1
    err = capsys.readouterr().err
    assert (
        "row 2: 'Hagaskolan' is the name of several schools in Mora kommun: 'Hagaskolan 1' or "
        "'Hagaskolan 2' — write the whole name" in err
    )
    assert contacts(folder, "Hagaskolan 2") == {"unga": ("bertil-k", "olle-berg")}


def test_a_school_with_one_list_for_all_ages_takes_no_age_groups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "directory"
    folder.mkdir()
    (folder / "flen.yml").write_text(BLOCK_FILE, encoding="utf-8")
    csv = sheet(tmp_path, "namn;skolor;åldersgrupper\nBo Ek;Flens kristna skola;barn-unga\n")
    assert run(csv, folder, "flen") == 1
    assert (
        "row 2: 'Flens kristna skola' has one contact list for every age ('all'): leave the "
        "age groups empty" in capsys.readouterr().err
    )


def test_the_id_column_names_the_person_and_new_ids_are_unique(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = sheet(
        tmp_path,
        "id;namn;e-post;skolor\n"
        "bertil-k;Bertil Karlsson;anna.s@mora.example.se;\n"
        "eva-n;Eva Nyberg;;Noretskolan\n"
        ";Anna-S;;Noretskolan\n"
        "Eva N;Eva Nyberg;;\n",
    )
    assert run(csv, folder) == 1
    err = capsys.readouterr().err
    assert "row 2: the e-mail is that of 'anna-s', not of 'bertil-k'" in err
    assert "row 5: the id is not an id" in err
    people = load_catalog([folder]).directory.municipalities["mora"].people
    assert (people["eva-n"].name, people["anna-s-2"].name) == ("Eva Nyberg", "Anna-S")


def test_values_yaml_would_misread_are_quoted(tmp_path: Path, folder: Path) -> None:
    csv = sheet(tmp_path, "namn;titel;skolor\nTeam #2;Kurator: 7-9, F-6;Noretskolan\n")
    assert run(csv, folder) == 0
    text = (folder / "mora.yml").read_text(encoding="utf-8")
    assert '  team-2: {name: "Team #2", title: "Kurator: 7-9, F-6"}\n' in text
    assert load_catalog([folder]).directory.municipalities["mora"].people["team-2"].title == (
        "Kurator: 7-9, F-6"
    )


def test_a_sheet_that_is_not_there_is_named(
    tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path / "saknas.csv", folder) == 1
    assert "could not read" in capsys.readouterr().err


def test_the_readme_sheet_after_init_gives_flen_its_contacts(tmp_path: Path) -> None:
    """ "Ny kommun från början": init, fill in the offices, import the README's sheet."""
    folder = tmp_path / "directory"
    folder.mkdir()
    copy_sormland(folder, leave_out="flen")
    assert main(["init", "Flen", "--out", str(folder)]) == 0
    fill_in_offices(folder / "flen.yml")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    step = readme[readme.index("**Har ni personerna i ett kalkylark**") :]
    block = step[step.index("```text\n") + 8 : step.index("```\n", step.index("```text"))]
    rows = "\n".join(line.strip() for line in block.splitlines()) + "\n"
    assert run(sheet(tmp_path, rows), folder, "flen") == 0
    # what is left to do is the placeholders, as the README says
    assert [p.message.split(" — ")[0] for p in check([folder], today=TODAY)] == [
        "people.kontakt-barn",
        "people.kontakt-unga",
    ]
    flen = load_catalog([folder]).directory.municipalities["flen"]
    schools = {s.name: s.contacts for s in flen.schools}
    assert schools["Stenhammarskolan"] == {
        "unga": ("kontakt-unga", "karin-exempel", "omar-exempel"),
        "barn": ("kontakt-barn", "karin-exempel"),
    }
    assert schools["Europaskolan Malmköping"]["unga"][-1] == "omar-exempel"
    assert "omar-exempel" not in schools["Europaskolan Malmköping"]["barn"]


def block_folder(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "directory"
    folder.mkdir()
    (folder / "flen.yml").write_text(text, encoding="utf-8")
    return folder


def test_an_empty_value_is_filled_in_after_its_colon(tmp_path: Path) -> None:
    folder = block_folder(tmp_path, BLOCK_FILE.replace("Ali Karimi\n", "Ali Karimi\n    title:\n"))
    csv = sheet(tmp_path, "namn;titel\nAli Karimi;Kurator\n")
    assert run(csv, folder, "flen") == 0
    assert "    name: Ali Karimi\n    title: Kurator\n" in (folder / "flen.yml").read_text(
        encoding="utf-8"
    )


def test_a_value_an_anchor_shares_is_left_to_the_administrator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = BLOCK_FILE.replace("    name: Maja", "    title: &kurator Kurator\n    name: Maja")
    text = text.replace("Ali Karimi\n", "Ali Karimi\n    title: *kurator\n")
    folder = block_folder(tmp_path, text)
    csv = sheet(tmp_path, "namn;titel\nAli Karimi;Samordnare\n")
    assert run(csv, folder, "flen") == 1
    assert (
        f"{folder / 'flen.yml'}:18: people.ali-k.title is shared with other places through an "
        "anchor (&name, *name)" in capsys.readouterr().err
    )
    assert (folder / "flen.yml").read_text(encoding="utf-8") == text
