"""The contact directory: valid files load, every defect is reported once, exactly, located."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.core import directory as parser
from bot.core import directory_schools, offices, region_files
from bot.core.catalog import check, load_catalog
from bot.core.directory import is_directory_document, parse_municipality
from bot.core.directory_checks import build_directory, cross_check
from bot.core.directory_resources import RESOURCE_KEYS, RESOURCE_OPTIONAL
from bot.core.directory_schools import SCHOOL_KEYS, SCHOOL_OPTIONAL, SKOLENHETSKOD, SLACK_CHANNEL
from bot.core.models import Directory, Municipality
from bot.core.name_keys import slugify
from bot.core.resources import KINDS
from bot.core.yamlio import Document, load_document, parse_document
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "directory"
SHIPPED = ROOT / "directory"
RULES = ROOT / "rules"
TODAY = date(2026, 11, 25)


def parse(doc: Document) -> Municipality:
    municipality, problems = parse_municipality(doc, today=TODAY)
    assert [str(p) for p in problems] == []
    assert municipality is not None
    return municipality


def test_a_valid_file_becomes_a_municipality_with_its_schools_ages_and_people() -> None:
    m = parse(load_document(FIXTURES / "valid.yml"))
    assert (m.id, m.name, m.code, m.reviewed) == (
        "testby",
        "Testby kommun",
        "9999",
        date(2026, 9, 1),
    )
    assert [(s.weekday, str(s.opens), str(s.closes)) for s in m.office_hours] == [
        (0, "08:00:00", "16:30:00"),
        (1, "08:00:00", "16:30:00"),
        (2, "08:00:00", "16:30:00"),
        (3, "08:00:00", "16:30:00"),
        (4, "08:00:00", "15:00:00"),
    ]
    assert m.reception.e_service == "https://testby.example.se/orosanmalan"
    angs = m.schools[0]
    assert angs.key == "testby/angsskolan-f-9"
    assert (angs.min_age, angs.max_age, angs.code, angs.aliases) == (
        6,
        15,
        "88046548",
        ("Ängsskolan",),
    )
    assert dict(angs.contacts) == {
        "barn": ("bertil-k", "anna-s"),
        "unga": ("cecilia-l", "team-tidiga"),
    }
    assert angs.slack_channels == ("C0ANGS0001",)
    assert m.schools[2].key == "testby/backens-forskola"
    assert m.people["bertil-k"].away_on(date(2027, 1, 6)) is not None
    assert m.people["bertil-k"].away_on(date(2027, 1, 7)) is None
    assert m.source.endswith("valid.yml")


def test_school_keys_are_ascii_slugs() -> None:
    assert slugify("Ängsskolan F-9") == "angsskolan-f-9"
    assert slugify("Morkarlbyhöjdens skola 7-9") == "morkarlbyhojdens-skola-7-9"
    assert slugify("Centrumskolan - Lagaholm resursskola") == "centrumskolan-lagaholm-resursskola"
    assert slugify("Linnéskolan F-9") == "linneskolan-f-9"


def test_a_directory_file_is_recognised_by_its_municipality_key() -> None:
    assert is_directory_document({"municipality": {}})
    assert not is_directory_document({"flows": []})
    assert not is_directory_document(["municipality"])


BROKEN: dict[str, list[str]] = {
    "unknown_person": [
        "34:24: error: schools[0] 'Ängsskolan F-9': contacts.barn — unknown person 'ana-s'"
        " — did you mean 'anna-s'?",
    ],
    "unknown_age_group": [
        "35:7: error: schools[0] 'Ängsskolan F-9': contacts.ungdom — unknown age group 'ungdom'"
        " — did you mean 'unga'?",
    ],
    "unknown_key": [
        "36:5: error: schools[1] 'Tunaskolan 7-9' is missing 'grades'",
        "37:5: error: schools[1] 'Tunaskolan 7-9' has an unknown key 'grade' (allowed: name,"
        " grades, contacts, code, aliases, slack_channels) — did you mean 'grades'?",
    ],
    "missing_key": ["3:3: error: municipality is missing 'name'"],
    "duplicate_school": [
        "36:11: error: schools[1] 'ängsskolan f-9' — the school name 'ängsskolan f-9' is already"
        " used by schools[0] 'Ängsskolan F-9' in this municipality",
    ],
    "alias_clash": [
        "37:15: error: schools[1] 'Tunaskolan 7-9' — the alias 'Ängsskolan' is already used by"
        " schools[0] 'Ängsskolan F-9' in this municipality",
    ],
    "bad_slack_user": [
        "21:90: error: people.anna-s.slack — 'u01abcdef1' is not a Slack member id: it starts"
        " with U or W followed by capital letters and digits, e.g. U01ABCDEF1 (in Slack:"
        " profile → ⋮ → Copy member ID)",
    ],
    "bad_slack_channel": [
        "32:22: error: schools[0] 'Ängsskolan F-9': slack_channels — 'angsskolan' is not a Slack"
        " channel id: it starts with C or G followed by capital letters and digits,"
        " e.g. C0ANGS0001",
    ],
    "overlapping_ages": [
        "19:46: error: age_groups[1] 'unga': ages — 12–20 overlaps 'barn' (0–12): every age must"
        " belong to one group only",
    ],
    "missing_group_contact": [
        "34:7: error: schools[0] 'Ängsskolan F-9': contacts — no contact for age group 'unga'"
        " (13–20), which this school serves (ages 6–15): add 'unga: [...]' or use 'all'",
    ],
    "bad_grades": [
        "37:13: error: schools[1] 'Tunaskolan 7-9': grades — cannot read the grades 'åk 7-9':"
        " write förskola, F, 1 to 9 or gy1 to gy4, or a range such as F-9, 7-9 or förskola-F",
    ],
    "bad_day": [
        "8:5: error: municipality.office_hours.fre — 'fre' is not a day: use mon, tue, wed, thu,"
        " fri, sat, sun or a range such as mon-thu — did you mean 'fri'?",
    ],
    "bad_hours": [
        "8:10: error: municipality.office_hours.fri — '8-15' is not opening hours:"
        ' write "08:00-16:30" in quotes',
    ],
    "bad_ages": [
        "18:45: error: age_groups[0] 'barn': ages — '0 till 12' is not an age span:"
        ' write it like "0-12"',
    ],
    "bad_code": [
        "5:9: error: municipality.code — '999' is not a kommunkod:"
        ' write the 4 digits in quotes, e.g. "2062"',
    ],
    "bad_school_code": [
        "29:11: error: schools[0] 'Ängsskolan F-9': code — '8804654' is not a skolenhetskod:"
        ' write the 8 digits in quotes, e.g. "88046548"',
    ],
    "away_backwards": [
        "24:35: error: people.bertil-k.away[0] — ends (2026-12-20) before it starts (2027-01-06)",
    ],
    "bad_id": [
        "3:7: error: municipality.id — 'Testby kommun' is not a slug: use lower-case a-z, digits"
        " and hyphens, e.g. 'testby-kommun'",
    ],
    "old_review": [
        "16:13: warning: municipality.reviewed — the entries were last confirmed on 2025-06-01,"
        " more than 12 months ago: ask the municipality to check them and update the date",
    ],
    "ages_in_no_group": [
        "31:13: warning: schools[0] 'Ängsskolan F-9': grades — no age group covers age 15, so no"
        " contact answers there: widen an age group or use 'all'",
        "37:13: warning: schools[1] 'Tunaskolan 7-9': grades — no age group covers age 15, so no"
        " contact answers there: widen an age group or use 'all'",
    ],
    "bad_admin_channel": [
        "17:18: error: municipality.admin_channel — '#soc-admin' is not a Slack channel id: it"
        " starts with C or G followed by capital letters and digits, e.g. C0MORAADM1 (in Slack:"
        " the channel's name → About → Channel ID at the bottom)",
    ],
    "bad_admins": [
        "17:24: error: municipality.admins[1] — 'anna.s@testby.example.se' is not a Slack member"
        " or user group id: a member id starts with U or W (profile → ⋮ → Copy member ID), a"
        " user group id with S, followed by capital letters and digits, e.g. U01ABCDEF1",
    ],
    "bad_handoff": [
        "18:21: error: municipality.handoff.escalate_after — '30 minutes' is not a waiting"
        " time: write a whole number and s, m or h, at most 24h, e.g. 30m",
        "19:14: error: municipality.handoff.channel — '#mottagningen' is not a Slack channel"
        " id: it starts with C or G followed by capital letters and digits, e.g. C0RECEPTION1"
        " (in Slack: the channel's name → About → Channel ID at the bottom)",
    ],
    "bad_yaml": [
        "37:4: error: not valid YAML: while parsing a block collection: expected <block end>,"
        " but found '<block mapping start>'",
    ],
}


def problems_of(path: Path) -> list[str]:
    try:
        doc = load_document(path)
    except ConfigError as exc:
        return [str(p) for p in exc.problems]
    return [str(p) for p in parse_municipality(doc, today=TODAY)[1]]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_file_reports_its_one_defect_exactly(name: str) -> None:
    path = FIXTURES / "broken" / f"{name}.yml"
    assert problems_of(path) == [f"{path}:{line}" for line in BROKEN[name]]


def test_every_broken_fixture_has_an_expected_message() -> None:
    assert {p.stem for p in (FIXTURES / "broken").glob("*.yml")} == set(BROKEN)


def test_warnings_do_not_stop_the_municipality_but_errors_stop_the_load() -> None:
    doc = load_document(FIXTURES / "broken" / "old_review.yml")
    municipality, problems = parse_municipality(doc, today=TODAY)
    assert municipality is not None and [p.severity for p in problems] == ["warning"]
    old = load_catalog([FIXTURES / "broken" / "old_review.yml"], today=TODAY)
    assert [w.severity for w in old.warnings] == ["warning"]
    with pytest.raises(ConfigError) as exc:
        load_catalog([FIXTURES / "broken" / "unknown_person.yml"], today=TODAY)
    assert "unknown person 'ana-s'" in str(exc.value)
    assert [p.severity for p in check([FIXTURES / "broken" / "unknown_person.yml"])] == ["error"]


def test_every_problem_in_a_file_is_reported_in_one_run() -> None:
    text = (FIXTURES / "valid.yml").read_text(encoding="utf-8")
    for old, new in [
        ("barn: [bertil-k, anna-s]", "barn: [bertil-k, ana-s]"),
        ("slack: U01ABCDEF1", "slack: x"),
        ('code: "9999"', 'code: "99"'),
        ('grades: "7-9"', 'grades: "7-99"'),
        ("  reviewed: 2026-09-01", "  reviewed: 2024-01-01\n  colour: blue"),
    ]:
        text = text.replace(old, new)
    municipality, problems = parse_municipality(parse_document(text, "x.yml"), today=TODAY)
    assert municipality is None
    assert [(p.line, p.severity) for p in sorted(problems)] == [
        (5, "error"),
        (16, "warning"),
        (17, "error"),
        (22, "error"),
        (35, "error"),
        (38, "error"),
    ]


def test_a_file_that_is_not_a_mapping_is_one_error() -> None:
    doc = parse_document("- just\n- a list\n", "x.yml")
    assert [str(p) for p in parse_municipality(doc, today=TODAY)[1]] == [
        "x.yml:1:1: error: the file must be a block of keys"
    ]


def test_one_contact_may_be_written_without_brackets_and_all_answers_for_every_age() -> None:
    text = (FIXTURES / "valid.yml").read_text(encoding="utf-8")
    text = text.replace("unga: [team-tidiga]", "unga: team-tidiga")
    m = parse(parse_document(text, "x.yml"))
    assert m.schools[1].contacts == {"unga": ("team-tidiga",)}
    assert m.schools[2].contacts == {"all": ("anna-s",)}


def test_all_and_age_groups_cannot_be_mixed() -> None:
    text = (FIXTURES / "valid.yml").read_text(encoding="utf-8")
    text = text.replace("      all: [anna-s]", "      all: [anna-s]\n      barn: [anna-s]")
    _, problems = parse_municipality(parse_document(text, "x.yml"), today=TODAY)
    assert [p.message for p in problems] == [
        "schools[2] 'Bäckens förskola': contacts — use either 'all' or age groups, not both"
    ]


# --------------------------------------------------------------------------- across files


def twice(changes: list[tuple[str, str]]) -> list[tuple[Document, Municipality]]:
    text = (FIXTURES / "valid.yml").read_text(encoding="utf-8")
    first = parse(parse_document(text, "a.yml"))
    for old, new in changes:
        text = text.replace(old, new)
    doc_b = parse_document(text, "b.yml")
    return [(parse_document("", "a.yml"), first), (doc_b, parse(doc_b))]


def test_cross_check_finds_ids_codes_and_channels_used_twice() -> None:
    items = twice([])
    assert [str(p) for p in cross_check(items)] == [
        "b.yml:3:7: error: municipality.id — 'testby' is already the id of Testby kommun (a.yml):"
        " ids must be unique",
        "b.yml:5:9: error: municipality.code — '9999' is already the code of Testby kommun (a.yml)",
        "b.yml:29:11: error: schools[0] 'Ängsskolan F-9': code — '88046548' is already the code of"
        " 'Ängsskolan F-9' (Testby kommun)",
        "b.yml:32:22: error: schools[0] 'Ängsskolan F-9': slack_channels — 'C0ANGS0001' is already"
        " bound to 'Ängsskolan F-9' (Testby kommun): a channel can belong to one school only",
    ]


def test_cross_check_accepts_distinct_municipalities() -> None:
    items = twice(
        [
            ("id: testby", "id: annanby"),
            ('code: "9999"', 'code: "9998"'),
            ('code: "88046548"', 'code: "12345678"'),
            ("C0ANGS0001", "C0ANGS0002"),
        ]
    )
    assert cross_check(items) == []
    directory = build_directory(m for _, m in items)
    assert set(directory.municipalities) == {"testby", "annanby"}
    assert "annanby/angsskolan-f-9" in directory.schools
    school = directory.schools["testby/tunaskolan-7-9"]
    assert directory.municipality_of(school).id == "testby"


# --------------------------------------------------------------------------- shipped data


def shipped(today: date = TODAY) -> Directory:
    """The shipped directory, loaded with the shipped rules as the bot loads them."""
    return load_catalog([SHIPPED, RULES], today=today).directory


def test_every_shipped_directory_file_loads_without_problems() -> None:
    assert len(shipped().municipalities) == 16  # Sörmland's nine among them
    # together: a municipality inherits from the region file beside it
    assert check([SHIPPED, RULES], today=TODAY) == []
    # and with the real date there are no errors (warnings may come as `reviewed` ages)
    shipped(date.today())


def test_the_readme_demo_school_is_there() -> None:
    directory = shipped()
    angs = directory.schools["mora/angsskolan-f-9"]
    assert (angs.code, angs.aliases, angs.grades) == ("88046548", ("Ängsskolan",), "F-9")
    assert "lulea/tunaskolan-7-9" in directory.schools


def test_shipped_files_hold_every_real_school_of_their_municipality() -> None:
    directory = shipped()
    codes = {m.code: m for m in directory.municipalities.values()}
    with (FIXTURES / "skolverket-example-municipalities.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert len(rows) == 101
    for row in rows:
        m = codes[row["Kommun-kod"]]
        found = {s.name: s.code for s in m.schools}
        assert found.get(row["Skola"]) == row["Skol-enhetskod"], row


def test_shipped_files_point_editors_at_the_schema() -> None:
    for path in SHIPPED.glob("*.yml"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/directory.schema.json"


def test_the_away_example_covers_the_holidays() -> None:
    directory = shipped()
    away = [a for m in directory.municipalities.values() for p in m.people.values() for a in p.away]
    assert any(a.start <= date(2026, 12, 20) and a.end >= date(2027, 1, 6) for a in away)


# --------------------------------------------------------------------------- JSON Schema


def as_json(path: Path) -> object:
    return json.loads(json.dumps(load_document(path).data, default=str))


def directory_json_schema() -> dict[str, Any]:
    """The schema as shipped in the package, where `referral-bot schema` copies it from."""
    text = files("bot").joinpath("schemas", "directory.schema.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def test_the_repository_copy_of_the_json_schema_is_the_packaged_one() -> None:
    packaged = files("bot").joinpath("schemas", "directory.schema.json").read_bytes()
    assert (ROOT / "schemas" / "directory.schema.json").read_bytes() == packaged


def test_the_json_schema_follows_the_parser() -> None:
    """The schema is data, written by hand: its keys and patterns are the parser's own."""
    top = directory_json_schema()["properties"]
    muni = top["municipality"]["properties"]
    office = muni["reception"]["properties"]
    group = top["age_groups"]["items"]["properties"]
    person = top["people"]["additionalProperties"]["properties"]
    school = top["schools"]["items"]["properties"]
    assert list(top) == [*parser.TOP_KEYS, *parser.TOP_OPTIONAL, "region"]
    assert list(muni) == [*parser.MUNICIPALITY_KEYS, *parser.MUNICIPALITY_OPTIONAL]
    region = top["region"]["properties"]
    assert list(region) == [*region_files.REGION_KEYS, *region_files.REGION_OPTIONAL]
    assert region["after_hours"]["properties"] == region["reception"]["properties"] == office
    assert region["id"]["pattern"] == muni["region"]["pattern"] == parser.SLUG.pattern
    assert region["county"]["pattern"] == region_files.LANSKOD.pattern
    assert muni["after_hours"]["properties"] == office
    assert list(office) == [*offices.OFFICE_KEYS, *offices.OFFICE_OPTIONAL]
    assert list(group) == list(parser.AGE_GROUP_KEYS)
    assert list(person) == ["name", *parser.PERSON_OPTIONAL]
    assert list(person["away"]["items"]["properties"]) == list(parser.ABSENCE_KEYS)
    assert set(school) == {*SCHOOL_KEYS, *SCHOOL_OPTIONAL}
    assert muni["id"]["pattern"] == parser.SLUG.pattern
    assert muni["code"]["pattern"] == parser.KOMMUNKOD.pattern
    assert office["e_service"]["pattern"] == directory_schools.WEB_ADDRESS.pattern
    assert group["id"]["pattern"] == parser.ID.pattern
    assert group["ages"]["pattern"] == directory_schools.AGES.pattern
    resource = top["resources"]["items"]["properties"]
    assert list(resource) == [*RESOURCE_KEYS, *RESOURCE_OPTIONAL]
    assert tuple(resource["kind"]["enum"]) == KINDS
    assert resource["ages"]["pattern"] == directory_schools.AGES.pattern
    assert resource["url"]["pattern"] == directory_schools.WEB_ADDRESS.pattern
    assert muni["min_contacts"]["maximum"] == parser.MAX_MIN_CONTACTS
    assert muni["admin_channel"]["pattern"] == SLACK_CHANNEL.pattern
    assert muni["admins"]["items"]["pattern"] == parser.SLACK_ADMIN.pattern
    assert top["people"]["propertyNames"]["pattern"] == parser.ID.pattern
    assert person["slack"]["pattern"] == parser.SLACK_USER.pattern
    assert school["code"]["pattern"] == SKOLENHETSKOD.pattern
    assert school["slack_channels"]["items"]["pattern"] == SLACK_CHANNEL.pattern
    assert school["contacts"]["additionalProperties"]["items"]["pattern"] == parser.ID.pattern
    day = re.compile(muni["office_hours"]["propertyNames"]["pattern"])
    assert all(day.match(d) and day.match(f"mon-{d}") for d in offices.DAYS)


def test_the_json_schema_is_valid_and_accepts_every_shipped_file() -> None:
    schema = directory_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in [*SHIPPED.glob("*.yml"), FIXTURES / "valid.yml"]:
        assert [e.message for e in validator.iter_errors(as_json(path))] == [], path


@pytest.mark.parametrize(
    "name",
    [
        "bad_slack_user",
        "unknown_key",
        "bad_code",
        "bad_day",
        "bad_admin_channel",
        "bad_admins",
        "bad_handoff",
    ],
)
def test_the_json_schema_underlines_what_an_editor_can_see(name: str) -> None:
    validator = jsonschema.Draft202012Validator(directory_json_schema())
    assert list(validator.iter_errors(as_json(FIXTURES / "broken" / f"{name}.yml")))


def test_a_broken_person_or_age_group_is_reported_once_not_at_every_school() -> None:
    text = (FIXTURES / "valid.yml").read_text(encoding="utf-8")
    text = text.replace("anna-s: {name: Anna Svensson,", "anna-s: {namn: Anna Svensson,")
    _, problems = parse_municipality(parse_document(text, "x.yml"), today=TODAY)
    assert [p.message for p in problems] == [
        "people.anna-s is missing 'name'",
        "people.anna-s has an unknown key 'namn' (allowed: name, title, phone, email, slack,"
        " away, placeholder) — did you mean 'name'?",
    ]


def test_the_directory_finds_each_school_by_key_and_by_its_slack_channel() -> None:
    directory = shipped()
    every = [s for m in directory.municipalities.values() for s in m.schools]
    assert list(directory.schools.values()) == every
    assert any(s.slack_channels for s in every)  # the shipped data binds a channel
    for school in every:
        assert directory.schools[school.key] is school
        for channel in school.slack_channels:
            assert directory.school_in_channel(channel) is school
    assert directory.school_in_channel("C0NOBODY00") is None


def test_a_municipality_names_its_admin_channel_and_admins_and_each_person_where_written() -> None:
    municipalities = load_catalog([SHIPPED]).directory.municipalities
    mora = municipalities["mora"]
    assert mora.admin_channel == "C0MORAADM1" and mora.admins == ("U0MORAADM1",)
    line = next(
        n
        for n, text in enumerate((SHIPPED / "mora.yml").read_text().splitlines(), start=1)
        if text.startswith("  anna-s:")
    )
    assert str(mora.people["anna-s"].origin) == f"{SHIPPED / 'mora.yml'}:{line}"
    flen = municipalities["flen"]
    assert flen.admin_channel is None and flen.admins == ()
