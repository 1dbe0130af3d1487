"""`referral-bot init`: a new municipality's file that checks with warnings only, holding every
school unit Skolverket lists for it, and the region line when its county has a region file."""

from __future__ import annotations

import json
import shutil
from datetime import date
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from bot.cli import main
from bot.core.catalog import check, load_catalog
from bot.core.yamlio import load_document
from bot.init_directory import kommuner, render
from tests.helpers.new_municipality import fill_in_offices
from tests.helpers.shipped import copy_sormland
from tests.helpers.skolverket import rows

ROOT = Path(__file__).resolve().parents[1]
# the shipped Sörmland files beside the new one have `reviewed` dates: check them on a fixed day
TODAY = date(2026, 11, 25)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A directory folder with the shipped Sörmland region in it, and its municipalities but
    Flen: the folder as it is before an administrator runs `init Flen`."""
    folder = tmp_path / "directory"
    folder.mkdir()
    copy_sormland(folder, leave_out="flen")
    return folder


def units_of(code: str) -> dict[str, str]:
    """Skolverket's school units of a municipality, name -> skolenhetskod (the tests' copy)."""
    return {r.name: r.code for r in rows() if r.municipality_code == code}


def test_init_flen_writes_every_unit_and_check_says_what_to_fill_in(
    out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "Flen", "--out", str(out)]) == 0
    path = out / "flen.yml"
    assert f"wrote {path}" in capsys.readouterr().out
    problems = check([out], today=TODAY)
    # the reception must be filled in before the file can go live; people may follow
    assert [(p.message.split(" — ")[0], p.severity) for p in problems] == [
        ("municipality.reception", "error"),
        ("people.kontakt-barn", "warning"),
        ("people.kontakt-unga", "warning"),
    ]
    assert all("placeholder: true" in p.message for p in problems)
    fill_in_offices(path)
    flen = load_catalog([out]).directory.municipalities["flen"]
    assert (flen.name, flen.code, flen.region) == ("Flens kommun", "0482", "sormland")
    assert flen.after_hours.name == "Socialjouren Sörmland"  # from the region, no placeholder
    assert {s.name: s.code for s in flen.schools} == units_of("0482")
    assert len(flen.schools) == 3
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/directory.schema.json\n")
    assert "# Gör så här:" in text


@pytest.mark.parametrize("asked", ["Flens kommun", "flem", "0482", " flen "])
def test_the_municipality_is_found_by_name_with_typos_or_by_kommunkod(
    asked: str, out: Path
) -> None:
    assert main(["init", asked, "--out", str(out)]) == 0
    assert (out / "flen.yml").exists()


def test_an_existing_file_is_never_overwritten(
    out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (out / "flen.yml").write_text("# mine\n", encoding="utf-8")
    assert main(["init", "Flen", "--out", str(out)]) == 1
    assert "is there already" in capsys.readouterr().err
    assert (out / "flen.yml").read_text(encoding="utf-8") == "# mine\n"


def test_a_municipality_already_in_the_folder_under_another_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "directory"
    shutil.copytree(ROOT / "directory", folder)
    (folder / "oxelosund.yml").rename(folder / "oxelo.yml")
    assert main(["init", "Oxelösund", "--out", str(folder)]) == 1
    assert "Oxelösunds kommun (0481) is in" in capsys.readouterr().err
    assert not (folder / "oxelosund.yml").exists()


def test_close_names_are_taken_and_unclear_ones_get_suggestions_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path  # an empty folder: Oxelösund and Vingåker are in the shipped Sörmland files
    assert main(["init", "Flenn kommun", "--out", str(out)]) == 0  # close enough
    assert main(["init", "Oxelsund", "--out", str(out)]) == 0
    assert main(["init", "Vingåkerr", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["init", "Upplands", "--out", str(out)]) == 1  # Bro or Väsby: not a guess
    assert capsys.readouterr().err == (
        "referral-bot: no municipality called 'Upplands' — did you mean 'Upplands-Bro' (0139)"
        " or 'Upplands Väsby' (0114) or 'Uppsala' (0380)?\n"
    )
    assert main(["init", "Ed", "--out", str(out)]) == 1  # Dals-Ed, or Eda? too short to guess
    assert main(["init", "9999", "--out", str(out)]) == 1
    assert "no municipality has the kommunkod 9999" in capsys.readouterr().err


def test_without_a_region_for_its_county_the_socialjour_is_a_placeholder_too(
    tmp_path: Path,
) -> None:
    assert main(["init", "Kiruna", "--out", str(tmp_path)]) == 0
    problems = check([tmp_path])
    assert [p.message.split(" — ")[0] for p in problems] == [
        "municipality.reception",
        "municipality.after_hours",
        "people.kontakt-barn",
        "people.kontakt-unga",
    ]
    assert [p.severity for p in problems] == ["error", "error", "warning", "warning"]
    assert "region:" not in (tmp_path / "kiruna.yml").read_text(encoding="utf-8")


def test_every_municipality_of_the_list_gets_a_file_that_loads_once_its_offices_are_filled_in(
    out: Path,
) -> None:
    """The files as init writes them (without init's look for a file already there, which
    reads the folder: 290 times over it is the slow part, not what is tested here)."""
    known = kommuner()
    assert len(known) == 290
    for kommun in known.values():
        region = "sormland" if kommun.code.startswith("04") else None
        path = out / f"{kommun.id}.yml"
        path.write_text(render(kommun, region), encoding="utf-8")
        fill_in_offices(path)
    directory = load_catalog([out]).directory  # loads together: ids and codes unique too
    assert len(directory.municipalities) == 290
    by_code = {m.code: m for m in directory.municipalities.values()}
    for code in known:
        assert {s.name: s.code for s in by_code[code].schools} == units_of(code), code
    sormland = {m.code for m in directory.municipalities.values() if m.region == "sormland"}
    assert sormland == {k for k in known if k.startswith("04")}


def test_init_fill_in_and_check_is_the_whole_way_to_a_working_municipality(out: Path) -> None:
    """The README's walk-through: what an administrator types and edits, then the bot knows."""
    assert main(["init", "Flen", "--out", str(out)]) == 0
    path = out / "flen.yml"
    text = path.read_text(encoding="utf-8").replace("    placeholder: true\n", "")
    for placeholder, real in [
        ('"FYLL I: mottagningens namn"', "Mottagningen barn och unga"),
        ('"FYLL I: kontakt för barn 0–12 år"', "Karin Exempel"),
        ('"FYLL I: kontakt för unga 13–20 år"', "Omar Exempel"),
    ]:
        text = text.replace(placeholder, real)
    text = text.replace('"FYLL I"', '"0000-48 20 00"')
    path.write_text(text, encoding="utf-8")
    assert check([out], today=TODAY) == []
    catalog = load_catalog([out])
    school = catalog.index.lookup("Stenhammarskolan i Flen").result.school
    assert school is not None and school.key == "flen/stenhammarskolan"
    people = catalog.directory.municipalities["flen"].people
    assert [people[p].name for p in school.contacts["unga"]] == ["Omar Exempel"]


def test_the_written_file_is_valid_for_editors_too(out: Path) -> None:
    schema = json.loads(
        files("bot").joinpath("schemas", "directory.schema.json").read_text(encoding="utf-8")
    )
    assert main(["init", "Flen", "--out", str(out)]) == 0
    data = load_document(out / "flen.yml").data
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []
