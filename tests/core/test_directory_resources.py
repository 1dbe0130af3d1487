"""Resources beyond the school's contacts: read from municipality and region files, narrowed
to schools, municipalities and ages, and every mistake a located message."""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.core.catalog import ValidatedFiles, check, load_catalog
from bot.core.explain import explain
from bot.core.models import Municipality
from bot.core.resources import serving
from bot.errors import ConfigError
from tests.helpers.resource_directory import OWN, municipality, write_sormland

TODAY = date(2026, 11, 25)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_sormland(tmp_path)


def load(folder: Path, memo: ValidatedFiles | None = None) -> dict[str, Municipality]:
    return dict(load_catalog([folder], today=TODAY, memo=memo).directory.municipalities)


def messages(folder: Path) -> list[str]:
    return [str(p).removeprefix(f"{folder}/") for p in check([folder], today=TODAY)]


def test_a_municipality_has_its_own_resources_then_the_regions_that_serve_it(
    folder: Path,
) -> None:
    m = load(folder)
    assert [r.name for r in m["gnesta"].resources] == ["NPF-teamet", "BUP Sörmland"]
    assert [r.name for r in m["nykoping"].resources] == [
        "BUP Sörmland",
        "Ungdomsmottagningen Nyköping",
    ]
    umo = m["nykoping"].resources[1]
    assert (umo.min_age, umo.max_age, umo.url) == (13, 25, "https://umo.example.se/nykoping")
    assert umo.origin is not None and umo.origin.path.endswith("sormland.yml")


def test_a_resource_named_for_some_schools_serves_those_and_the_ages_it_is_for(
    folder: Path,
) -> None:
    gnesta = load(folder)["gnesta"]
    tall, gran = gnesta.schools  # Tallskolan (alias Tallis), Granskolan
    assert [r.id for r in serving(gnesta, school=tall, kind="npf")] == ["npf-team"]
    assert serving(gnesta, school=gran, kind="npf") == ()  # the alias named only Tallskolan
    assert [r.id for r in serving(gnesta, ages=(17, 17))] == ["bup"]  # NPF is for 6–16
    assert serving(gnesta, ages=(18, 25)) == ()


def test_a_region_resource_change_is_one_edit_and_reaches_every_municipality_it_serves(
    folder: Path,
) -> None:
    memo = ValidatedFiles()
    load(folder, memo)
    region = folder / "sormland.yml"
    region.write_text(region.read_text().replace("0000-41 00 00", "0000-49 99 99"))
    after = load(folder, memo)
    for mid in ("gnesta", "nykoping"):
        [bup] = serving(after[mid], kind="bup")
        assert bup.phone == "0000-49 99 99", mid


@pytest.mark.parametrize(
    ("where", "old", "new", "expected"),
    [
        (
            "sormland.yml",
            "kind: ungdomsmottagning",
            "kind: ungdomsmotagning",
            "sormland.yml:13:11: error: resources[1] 'Ungdomsmottagningen Nyköping': kind — "
            "unknown kind 'ungdomsmotagning'",
        ),
        (
            "sormland.yml",
            "url: https://umo.example.se/nykoping",
            "url: umo.example.se/nykoping",
            "sormland.yml:16:10: error: resources[1] 'Ungdomsmottagningen Nyköping': url — "
            "'umo.example.se/nykoping' is not a web address: start it with https://",
        ),
        (
            "sormland.yml",
            "url: https://umo.example.se/nykoping",
            "url: https://umo.example.se/ny koping",
            "sormland.yml:16:10: error: resources[1] 'Ungdomsmottagningen Nyköping': url — "
            "'https://umo.example.se/ny koping' is not a web address",
        ),
        (
            "sormland.yml",
            'ages: "0-17"\n    phone',
            'ages: "17-0"\n    phone',
            "sormland.yml:10:11: error: resources[0] 'BUP Sörmland': ages — '17-0' is not an "
            'age span: write it like "0-12"',
        ),
        (
            "gnesta.yml",
            "schools: [Tallis]",
            "schools: [Talskolan]",
            "gnesta.yml:22:15: error: resources[0] 'NPF-teamet': schools — no school "
            "'Talskolan' in this file — did you mean 'Tallskolan'?",
        ),
        (
            "gnesta.yml",
            "schools: [Tallis]",
            "municipalities: [gnesta]",
            "gnesta.yml:22:5: error: resources[0] 'NPF-teamet': municipalities — "
            "'municipalities' belongs in a region file: here, narrow the resource with 'schools'",
        ),
        (
            "sormland.yml",
            "municipalities: [nykoping]",
            "schools: [Tallskolan]",
            "sormland.yml:17:5: error: resources[1] 'Ungdomsmottagningen Nyköping': schools — "
            "'schools' belongs in a municipality file: here, narrow the resource with "
            "'municipalities'",
        ),
        (
            "sormland.yml",
            "id: umo-nykoping",
            "id: bup",
            "sormland.yml:12:9: error: resources[1] — the id 'bup' is used twice",
        ),
    ],
)
def test_each_mistake_in_a_resource_is_one_located_error_and_nothing_goes_live(
    folder: Path, where: str, old: str, new: str, expected: str
) -> None:
    path = folder / where
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    found = [m for m in messages(folder) if ": error: " in m]
    assert len(found) == 1 and found[0].startswith(expected), found
    with pytest.raises(ConfigError):  # the bot keeps its last good catalog
        load(folder)


def test_a_region_resource_for_a_municipality_outside_the_region_is_a_warning(
    folder: Path,
) -> None:
    region = folder / "sormland.yml"
    region.write_text(region.read_text().replace("[nykoping]", "[nyköping, gnesta]"))
    found = [m for m in messages(folder) if "municipalities —" in m]
    assert found == [
        "sormland.yml:12:5: warning: resources 'umo-nykoping': municipalities — no "
        "municipality 'nyköping' names region 'sormland', so the resource reaches nobody "
        "there — did you mean 'nykoping'?"
    ]
    assert [r.id for r in load(folder)["gnesta"].resources] == ["npf-team", "bup", "umo-nykoping"]


def test_min_contacts_2_makes_a_school_with_one_named_contact_an_error(folder: Path) -> None:
    path = folder / "nykoping.yml"
    path.write_text(municipality("nykoping", "0480", header="  min_contacts: 2\n"))
    assert [m for m in messages(folder) if ": error: " in m] == [
        "nykoping.yml:16:71: error: schools[1] 'Nyköpings Montessoriskola': contacts.barn — "
        "1 contact, but this municipality has min_contacts: 2: name 2 people, the first "
        "answers and the next are backups"
    ]
    path.write_text(path.read_text().replace("contacts: {barn: [p]}", "contacts: {barn: [q, p]}"))
    assert load(folder)["nykoping"].min_contacts == 2


@pytest.mark.parametrize("value", ["0", "6", "två", "true"])
def test_min_contacts_is_a_whole_number_from_1_to_5(folder: Path, value: str) -> None:
    path = folder / "nykoping.yml"
    path.write_text(municipality("nykoping", "0480", header=f"  min_contacts: {value}\n"))
    [found] = [m for m in messages(folder) if ": error: " in m]
    assert found.startswith("nykoping.yml:8:17: error: municipality.min_contacts — ")
    assert "whole number from 1 to 5" in found


def test_the_json_schema_accepts_resources_in_both_kinds_of_file(folder: Path) -> None:
    schema = json.loads(files("bot").joinpath("schemas", "directory.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    region = yaml.safe_load((folder / "sormland.yml").read_text())
    gnesta = yaml.safe_load(municipality("gnesta", "0461", header="  min_contacts: 1\n") + OWN)
    assert list(validator.iter_errors(region)) == []
    assert list(validator.iter_errors(gnesta)) == []
    region["resources"][0]["kind"] = "psykolog"
    assert [e.validator for e in validator.iter_errors(region)] == ["enum"]


def test_explain_shows_each_resource_for_a_school_and_the_file_it_comes_from(
    folder: Path,
) -> None:
    directory = load_catalog([folder], today=TODAY).directory
    lines = explain(directory, directory.schools["gnesta/tallskolan"])
    start = lines.index("resources (what a question such as 'BUP' or 'NPF' is answered with):")
    assert lines[start + 1 :] == [
        f"  npf: NPF-teamet, ages 6-16 — {folder / 'gnesta.yml'}:17",
        f"  bup: BUP Sörmland, ages 0-17 — {folder / 'sormland.yml'}:7 (from the region)",
    ]
    other = explain(directory, directory.schools["gnesta/granskolan"])
    assert not any("NPF-teamet" in line for line in other)  # narrowed to Tallskolan
