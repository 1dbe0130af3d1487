"""Schools kept as columns come back exactly as they went in, by position, key and channel."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.core import directory
from bot.core.catalog import load_catalog
from bot.core.directory import build_directory, parse_municipality
from bot.core.models import Municipality, School
from bot.core.name_keys import place_pattern, school_keys, slugify
from bot.core.packed import HashedKeys, PackedStrings, numbers
from bot.core.school_table import SchoolsByKey, SchoolTable
from bot.core.yamlio import load_document, parse_document

ROOT = Path(__file__).resolve().parents[2]


@given(st.lists(st.text()))
def test_packed_strings_give_back_every_string(strings: list[str]) -> None:
    packed = PackedStrings(strings)
    assert list(packed) == strings
    assert [packed[i] for i in range(len(strings))] == strings
    assert packed[1:3] == strings[1:3]
    if strings:
        assert packed[-1] == strings[-1]
    with pytest.raises(IndexError):
        packed[len(strings)]


def test_hashed_keys_find_every_value_of_a_key_and_nothing_for_others() -> None:
    keys = HashedKeys([("angsskolan", 3), ("tunaskolan", 1), ("angsskolan", 7)])
    assert sorted(keys.candidates("angsskolan")) == [3, 7]
    assert list(keys.candidates("tunaskolan")) == [1]
    assert list(keys.candidates("hagaskolan")) == []


@pytest.mark.parametrize(
    ("values", "size"), [([], 1), ([0, 255], 1), ([256], 2), ([65535], 2), ([65536, 0], 4)]
)
def test_numbers_keep_each_value_in_the_fewest_bytes(values: list[int], size: int) -> None:
    kept = numbers(values)
    assert list(kept) == values
    assert kept.itemsize == size


@pytest.fixture(scope="module")
def shipped() -> list[Municipality]:
    catalog = load_catalog([ROOT / "directory", ROOT / "rules"], today=date(2026, 11, 25))
    return list(catalog.directory.municipalities.values())


def test_a_table_gives_back_each_school_with_all_its_fields(shipped: list[Municipality]) -> None:
    mora = next(m for m in shipped if m.id == "mora")
    schools = list(mora.schools)
    with_extras = replace(schools[0], aliases=("Ängs",), slack_channels=("C0TEST0001",))
    rows = [with_extras, *schools[1:], replace(schools[1], key="mora/x", name="X", code=None)]
    table = SchoolTable("mora", rows)
    assert list(table) == rows
    assert table == tuple(rows)
    assert table[-1].code is None
    assert table[0].contacts is rows[0].contacts  # shared, not copied
    assert table.row_of("mora/x") == len(rows) - 1
    assert table.row_of("mora/nothing") is None


def test_schools_by_key_finds_each_school_and_its_channel(shipped: list[Municipality]) -> None:
    directory = build_directory(shipped)
    assert isinstance(directory.schools, SchoolsByKey)
    every = [s for m in shipped for s in m.schools]
    assert len(directory.schools) == len(every)
    assert list(directory.schools.values()) == every
    for school in every:
        assert directory.schools[school.key] == school
        for channel in school.slack_channels:
            assert directory.school_in_channel(channel) == school
    assert directory.schools.get("mora/nothing") is None
    assert directory.school_in_channel("C0NOBODY00") is None
    assert any(s.slack_channels for s in every)  # the shipped data binds a channel


def test_the_directory_parser_makes_every_key_from_the_name_as_it_tells_the_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The parser builds its tables with keys_from_names=True, so they never make a key
    again to compare: that promise is checked here on every shipped file and odd names."""
    promised: list[School] = []

    def checking_table(mid: str, rows: list[School], name: str, **kw: bool) -> SchoolTable:
        assert kw == {"keys_from_names": True}
        promised.extend(rows)
        assert all(s.key == f"{mid}/{slugify(s.name)}" for s in rows)
        return SchoolTable(mid, rows, name, **kw)

    monkeypatch.setattr(directory, "SchoolTable", checking_table)
    odd = (ROOT / "directory" / "mora.yml").read_text(encoding="utf-8")
    odd = odd.replace("Ängsskolan", "Ängs-skolan (Montessori) — F–9 ")
    for path in sorted((ROOT / "directory").glob("*.yml")):
        parse_municipality(load_document(path), today=date(2026, 11, 25))
    parse_municipality(parse_document(odd, "odd.yml"), today=date(2026, 11, 25))
    assert len(promised) > 50 and any("Montessori" in s.name for s in promised)


def test_keys_and_codes_not_kept_as_text_come_back_exactly(shipped: list[Municipality]) -> None:
    first = next(m for m in shipped if m.id == "mora").schools[0]
    rows = [
        replace(first, key="mora/angsskolan-88046548", name="Ängsskolan", code="00123456"),
        replace(
            first, key="mora/o", name="Ö", code="\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668"
        ),
        replace(first, key="mora/b", name="B", code="1234"),
        replace(first, key="mora/a-2", name="A 2", code=None),
    ]
    table = SchoolTable("mora", rows)
    assert list(table) == rows
    assert [table.key(i) for i in range(len(rows))] == [s.key for s in rows]
    assert [code for _, code, _ in table.codes_and_channels()] == [s.code for s in rows]
    assert [table.row_of(s.key) for s in rows] == [0, 1, 2, 3]
    assert table.row_of("mora/angsskolan") is None  # the key made from the name: not this one
    assert table.key(table.row_of_smallest()) == "mora/a-2"


def _named(name: str) -> School:
    return School(f"tuna/{slugify(name)}", name, "tuna", 6, 15, "F-9", contacts={})


_NAME_PARTS = ("Ängs", "Tuna", "skolan", "skola", "Montessori", "fri", "grund", " ", "F-9", "2")
_NAMES = st.lists(st.sampled_from(_NAME_PARTS), min_size=1, max_size=5).map("".join)


@given(st.lists(_NAMES, min_size=1, max_size=4))
@example(["Montessoriskolan Tuna", "Friskolan Ängsskolan", "Skolan", "Ängsskolan F-9"])
def test_each_name_key_entry_gives_back_its_stem(names: list[str]) -> None:
    table = SchoolTable("tuna", map(_named, names), "Tuna kommun")
    for row, name in enumerate(names):
        keys = school_keys(name, (), place_pattern("Tuna kommun"))
        assert [table.cores[e] for e in table.entries(row)] == [k.core for k in keys]
        assert [table.stem(e) for e in table.entries(row)] == [k.stem for k in keys]
