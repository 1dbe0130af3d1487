"""Regions: a municipality inherits what it leaves out from its region file, and check says
exactly where the chain is broken."""

from __future__ import annotations

import functools
import json
import shutil
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from bot.core import clock
from bot.core.catalog import ValidatedFiles, check, load_catalog
from bot.core.yamlio import parse_document
from bot.errors import ConfigError
from bot.reload import CatalogHolder

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "directory"
TODAY = date(2026, 11, 25)

REGION = """\
region:
  id: sormland
  name: Sörmland
  county: "04"
  after_hours:
    name: Socialjouren Sörmland
    phone: "0000-40 00 00"
"""

MUNICIPALITY = """\
municipality:
  id: {id}
  name: {name}
  code: "{code}"
  region: {region}
  office_hours:
    mon-fri: "08:00-16:00"
  reception: {{name: Mottagningen, phone: "0000-{code}"}}
{extra}age_groups:
  - {{id: barn, label: "Barn 0–20 år", ages: "0-20"}}
people:
  p: {{name: Pia Exempel, phone: "0000-11 11 11"}}
schools:
  - {{name: {name} skola, grades: "F-9", contacts: {{barn: [p]}}}}
"""


def municipality(
    mid: str, code: str, *, region: str = "sormland", after_hours: str | None = None
) -> str:
    extra = f"  after_hours: {{name: Egen jour, phone: '{after_hours}'}}\n" if after_hours else ""
    return MUNICIPALITY.format(id=mid, name=mid.title(), code=code, region=region, extra=extra)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Region Sörmland and three municipalities: two inherit its socialjour, one overrides it."""
    (tmp_path / "sormland.yml").write_text(REGION, encoding="utf-8")
    (tmp_path / "flen.yml").write_text(municipality("flen", "0482"), encoding="utf-8")
    (tmp_path / "vingaker.yml").write_text(municipality("vingaker", "0428"), encoding="utf-8")
    own = municipality("trosa", "0488", after_hours="0000-88 88 88")
    (tmp_path / "trosa.yml").write_text(own, encoding="utf-8")
    return tmp_path


def messages(folder: Path) -> list[str]:
    return [str(p).removeprefix(f"{folder}/") for p in check([folder], today=TODAY)]


def test_a_municipality_inherits_the_socialjour_it_leaves_out_and_overrides_with_its_own(
    folder: Path,
) -> None:
    directory = load_catalog([folder], today=TODAY).directory
    flen, trosa = directory.municipalities["flen"], directory.municipalities["trosa"]
    assert (flen.after_hours.name, flen.after_hours.phone) == (
        "Socialjouren Sörmland",
        "0000-40 00 00",
    )
    assert str(flen.origins["after_hours"]) == f"{folder}/sormland.yml:5"
    assert str(flen.origins["reception"]) == f"{folder}/flen.yml:8"
    assert trosa.after_hours.phone == "0000-88 88 88"
    assert str(trosa.origins["after_hours"]) == f"{folder}/trosa.yml:9"
    assert set(directory.regions) == {"sormland"}


def test_an_unknown_region_is_located_with_the_nearest_id_suggested(folder: Path) -> None:
    (folder / "flen.yml").write_text(municipality("flen", "0482", region="sormlan"), "utf-8")
    assert messages(folder) == [
        "flen.yml:5:11: error: municipality.region — unknown region 'sormlan' (known: sormland)"
        " — did you mean 'sormland'?",
    ]


def test_a_municipality_with_neither_its_own_socialjour_nor_a_region_is_an_error(
    tmp_path: Path,
) -> None:
    text = municipality("flen", "0482").replace("  region: sormland\n", "")
    (tmp_path / "flen.yml").write_text(text, encoding="utf-8")
    assert messages(tmp_path) == [
        "flen.yml:2:3: error: municipality is missing 'after_hours (the socialjour)': write it"
        " here, or name the region that has it with 'region: <id>'",
    ]


def test_what_neither_the_file_nor_its_region_has_is_an_error_at_the_region_line(
    folder: Path,
) -> None:
    text = municipality("flen", "0482").replace(
        '  reception: {name: Mottagningen, phone: "0000-0482"}\n', ""
    )
    (folder / "flen.yml").write_text(text, encoding="utf-8")
    assert messages(folder) == [
        f"flen.yml:5:11: error: municipality.region — region 'sormland' ({folder}/sormland.yml)"
        " has no 'reception' to inherit: write it in this file or in the region's",
    ]


def test_a_region_cannot_name_a_region_so_there_is_no_chain_to_go_round(folder: Path) -> None:
    text = REGION.replace("  county:", "  region: sormland\n  county:")
    (folder / "sormland.yml").write_text(text, encoding="utf-8")
    assert messages(folder) == [
        "sormland.yml:4:3: error: region.region — a region cannot name another region: only a"
        " municipality names its region, so what is shared is one step away and never goes in a"
        " circle",
    ]


def test_a_region_without_a_socialjour_is_an_error_and_its_municipalities_say_no_more(
    folder: Path,
) -> None:
    text = REGION.split("  after_hours:")[0]
    (folder / "sormland.yml").write_text(text, encoding="utf-8")
    assert messages(folder) == ["sormland.yml:2:3: error: region is missing 'after_hours'"]


def test_two_region_files_with_one_id_are_an_error(folder: Path) -> None:
    shutil.copy(folder / "sormland.yml", folder / "sormland-kopia.yml")
    assert messages(folder) == [
        f"sormland.yml:2:7: error: region.id — 'sormland' is already the id of Sörmland"
        f" ({folder}/sormland-kopia.yml): ids must be unique",
    ]


def test_a_file_cannot_be_both_a_municipality_and_a_region(folder: Path) -> None:
    text = REGION + municipality("flen", "0482")
    (folder / "flen.yml").write_text(text, encoding="utf-8")
    assert messages(folder) == [
        "flen.yml:1:1: error: a file is either a municipality (municipality:) or a region"
        " (region:), not both: a municipality names its region inside its municipality block,"
        " e.g. 'region: sormland'",
    ]


def test_an_edited_region_reaches_every_inheriting_municipality_on_reload(folder: Path) -> None:
    memo = ValidatedFiles()
    first = load_catalog([folder], today=TODAY, memo=memo)
    region = folder / "sormland.yml"
    region.write_text(REGION.replace("0000-40 00 00", "0000-41 41 41"), encoding="utf-8")
    second = load_catalog([folder], today=TODAY, memo=memo)
    phones = {m.id: m.after_hours.phone for m in second.directory.municipalities.values()}
    assert phones == {
        "flen": "0000-41 41 41",
        "vingaker": "0000-41 41 41",
        "trosa": "0000-88 88 88",
    }
    assert first.directory.municipalities["flen"].after_hours.phone == "0000-40 00 00"
    # and a region broken by an edit does not go live: the last catalog stays the one to use
    region.write_text(REGION.replace("  id: sormland", "  id: Sörmland"), encoding="utf-8")
    with pytest.raises(ConfigError):
        load_catalog([folder], today=TODAY, memo=memo)


def test_the_shipped_sormland_region_gives_oxelosund_its_socialjour_and_gnesta_keeps_its_own() -> (
    None
):
    directory = load_catalog([SHIPPED], today=TODAY).directory
    oxelosund, gnesta = directory.municipalities["oxelosund"], directory.municipalities["gnesta"]
    assert (oxelosund.region, gnesta.region) == ("sormland", "sormland")
    assert oxelosund.after_hours == directory.regions["sormland"].after_hours
    assert gnesta.after_hours.phone == "112"


def test_a_region_of_another_county_is_a_warning(folder: Path) -> None:
    (folder / "kiruna.yml").write_text(municipality("kiruna", "2584"), encoding="utf-8")
    assert messages(folder) == [
        "kiruna.yml:5:11: warning: municipality.region — Kiruna (2584) is in county 25, region"
        " 'sormland' is for county 04: check that it is the right region",
    ]


def test_a_region_may_share_the_reception_and_office_hours_too(folder: Path) -> None:
    shared = REGION + (
        '  office_hours: {mon-fri: "09:00-15:00"}\n'
        '  reception: {name: Gemensam mottagning, phone: "0000-40 10 10"}\n'
    )
    (folder / "sormland.yml").write_text(shared, encoding="utf-8")
    text = municipality("flen", "0482")
    text = text.replace('  office_hours:\n    mon-fri: "08:00-16:00"\n', "")
    text = text.replace('  reception: {name: Mottagningen, phone: "0000-0482"}\n', "")
    (folder / "flen.yml").write_text(text, encoding="utf-8")
    directory = load_catalog([folder], today=TODAY).directory
    flen, trosa = directory.municipalities["flen"], directory.municipalities["trosa"]
    assert flen.reception.name == "Gemensam mottagning"
    assert [f"{s.opens:%H:%M}" for s in flen.office_hours] == ["09:00"] * 5
    assert trosa.reception.name == "Mottagningen"  # states its own
    assert str(flen.origins["reception"]) == f"{folder}/sormland.yml:9"


async def test_the_serving_reload_gives_the_bot_the_new_socialjour_number(folder: Path) -> None:
    """As app.py builds it: the holder's loader keeps one ValidatedFiles between reloads."""
    holder = CatalogHolder(functools.partial(load_catalog, [folder], memo=ValidatedFiles()))
    evening = datetime(2026, 11, 25, 20, 0, tzinfo=clock.STOCKHOLM)
    region = folder / "sormland.yml"
    region.write_text(REGION.replace("0000-40 00 00", "0000-42 42 42"), encoding="utf-8")
    result = await holder.reload()
    assert result.ok and result.changed
    routes = {
        m.id: clock.route_at(m, evening).office.phone
        for m in holder.current.directory.municipalities.values()
    }
    assert routes == {
        "flen": "0000-42 42 42",
        "vingaker": "0000-42 42 42",
        "trosa": "0000-88 88 88",
    }


def schema_errors(text: str) -> list[str]:
    schema = json.loads(
        files("bot").joinpath("schemas", "directory.schema.json").read_text(encoding="utf-8")
    )
    data = json.loads(json.dumps(parse_document(text, "x.yml").data, default=str))
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]


def test_the_json_schema_knows_regions_so_editors_underline_what_check_rejects() -> None:
    assert schema_errors(REGION) == []
    assert schema_errors(municipality("flen", "0482")) == []
    assert schema_errors(REGION.replace("  county:", "  region: x\n  county:"))  # region in region
    assert schema_errors(REGION + municipality("flen", "0482"))  # both kinds in one file
    assert schema_errors(REGION.split("  after_hours:")[0])  # a region needs its socialjour
    alone = municipality("flen", "0482").replace("  region: sormland\n", "")
    assert schema_errors(alone)  # neither a socialjour nor a region to take it from


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        (
            "sormland.yml",
            'county: "04"',
            "county: Södermanland",
            "sormland.yml:4:11: error: region.county — 'Södermanland' is not a länskod: write the"
            ' 2 digits in quotes, e.g. "04" for Södermanlands län',
        ),
        (
            "flen.yml",
            "region: sormland",
            "region: Region Sörmland",
            "flen.yml:5:11: error: municipality.region — 'Region Sörmland' is not a region id:"
            " write the id from the region file's 'region:' block, e.g. 'sormland'",
        ),
        (
            "sormland.yml",
            '    phone: "0000-40 00 00"\n',
            "",
            "sormland.yml:6:5: error: region.after_hours is missing 'phone'",
        ),
    ],
)
def test_each_broken_region_field_is_one_located_message(
    folder: Path, name: str, old: str, new: str, expected: str
) -> None:
    path = folder / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert messages(folder) == [expected]
