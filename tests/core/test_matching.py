"""Finding the school a person means, on Skolverket's real school names."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.matching import SchoolIndex
from bot.core.models import Directory
from tests.helpers.skolverket import skolverket_directory, synthetic_directory

ANGS = "mora/angsskolan-f-9"  # "Ängsskolan F-9" in Mora; "Ängskolan" (one s) is another name


@pytest.fixture(scope="module")
def directory() -> Directory:
    return skolverket_directory()


@pytest.fixture(scope="module")
def index(directory: Directory) -> SchoolIndex:
    return SchoolIndex(directory)


@pytest.mark.parametrize(
    "text",
    [
        "Ängsskolan",
        "angsskolan",
        "ÄNGSSKOLAN",
        "Ängs skolan",
        "Ängs-skolan",
        "Ängs",
        "Ängsskolan F-9",
        "Ängsskolans soc-kontakt",
        "Ängsskolna",  # typo
        "vem är soc-kontakten för Ängsskolan åk 8?",
        "who is the social services contact for Ängsskolan?",
        "Ängsskolan i Mora",
    ],
)
def test_the_ways_people_write_a_name(index: SchoolIndex, text: str) -> None:
    result = index.lookup(text).result
    assert result.status == "found"
    assert result.school is not None and result.school.key == ANGS


def test_a_shared_name_is_never_picked_silently(index: SchoolIndex) -> None:
    result = index.lookup("hagaskolan").result
    assert result.status == "ambiguous"
    assert result.school is None
    places = {s.municipality_id for s in result.candidates}
    assert {"alvesta", "dals-ed", "solna", "sundsvall", "vallentuna"} <= places


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Hagaskolan i Solna", "solna/hagaskolan"),
        ("vem är soc-kontakten för hagaskolan i sundsvall, åk 8?", "sundsvall/hagaskolan"),
        ("who is the contact for Hagaskolan in Alvesta", "alvesta/hagaskolan"),
        ("Hagaskolan, Dals-Eds kommun", "dals-ed/hagaskolan"),
        ("tunaskolan luleå", "lulea/tunaskolan-7-9"),
        ("Vem är kontakt på soc för tunaskolan i luleå?", "lulea/tunaskolan-7-9"),
        ("Tunaskolna i Lund", "lund/tunaskolan"),
    ],
)
def test_naming_the_municipality_resolves_a_shared_name(
    index: SchoolIndex, text: str, key: str
) -> None:
    result = index.lookup(text).result
    assert result.status == "found"
    assert result.school is not None and result.school.key == key


def test_search_can_be_narrowed_to_one_municipality(index: SchoolIndex) -> None:
    result = index.search("Hagaskolan", "solna")
    assert result.school is not None and result.school.key == "solna/hagaskolan"


def test_a_unit_number_tells_equal_names_apart(index: SchoolIndex) -> None:
    result = index.lookup("Hagaskolan 1").result
    assert result.school is not None and result.school.key == "norrkoping/hagaskolan-1"
    result = index.lookup("Albäcksskolan").result
    assert result.status == "ambiguous"
    assert [s.name for s in result.candidates] == ["Albäcksskolan 1", "Albäcksskolan 2"]


def test_a_name_in_another_municipality_is_suggested_not_given(index: SchoolIndex) -> None:
    result = index.lookup("Tunaskolan i Mora").result
    assert result.status == "not_found"
    assert {"lund/tunaskolan", "botkyrka/tunaskolan", "lulea/tunaskolan-7-9"} <= {
        s.key for s in result.candidates[:4]
    }


def test_weak_matches_give_did_you_mean(index: SchoolIndex) -> None:
    # Silverskolan and Silviaskolan are equally close: the bot must not guess.
    result = index.lookup("Silvirskolan").result
    assert result.status == "not_found"
    names = [s.name for s in result.candidates]
    assert {"Silverskolan", "Silviaskolan F-9"} <= set(names)
    assert len(names) <= 5


def test_nothing_found(index: SchoolIndex) -> None:
    assert index.lookup("xyzzy qwerty").result.candidates == ()
    assert index.lookup("vem är soc-kontakten?").result.status == "not_found"


@pytest.mark.parametrize(
    ("text", "key", "ages"),
    [
        ("Enskilda gymnasiet, gr", "stockholm/enskilda-gymnasiet-gr", None),
        ("Grundskola Överkalix kommun åk 8", "overkalix/grundskola-overkalix-kommun", (14, 14)),
        ("Resursskolan i Strängnäs", "strangnas/resursskolan-i-strangnas", None),
        ("Innovitaskolan i Luleå", "lulea/innovitaskolan-lulea", None),
        ("jag jobbar på Nyköpings resursskola", "nykoping/nykopings-resursskola", None),
    ],
)
def test_grade_words_and_places_that_are_part_of_a_name(
    index: SchoolIndex, text: str, key: str, ages: tuple[int, int] | None
) -> None:
    lookup = index.lookup(text)
    assert lookup.result.school is not None and lookup.result.school.key == key
    assert lookup.query.ages == ages


def test_the_lookup_keeps_what_the_question_said(index: SchoolIndex) -> None:
    lookup = index.lookup("who is the social services contact for Hagaskolan in Solna, year 8?")
    assert lookup.query.locale == "en"
    assert lookup.query.ages == (14, 14)
    assert lookup.query.municipality_id == "solna"


def test_aliases_are_names_too(directory: Directory) -> None:
    school = replace(directory.schools[ANGS], aliases=("Skolan vid ängen",))
    schools = {**directory.schools, ANGS: school}
    index = SchoolIndex(replace(directory, schools=schools))
    result = index.lookup("vem är soc-kontakten för skolan vid angen?").result
    assert result.school == school


def test_a_synthetic_directory_is_as_large_as_asked() -> None:
    big = synthetic_directory(3000, seed=7)
    assert len(big.schools) == 3000
    assert len(big.municipalities) == 290
    assert synthetic_directory(3000, seed=7).schools.keys() == big.schools.keys()


@pytest.mark.parametrize(
    ("text", "key", "school_text"),
    [
        (
            "vem ringer jag på soc om en elev på Perhsagenskolan?",
            "sodertalje/pershagenskolan",
            "Perhsagenskolan",
        ),
        (
            "Vilka är våra kontakter på soc? Jag jobbar på Neptniskolan åk 7",
            "malmo/neptuniskolan",
            "Neptniskolan",
        ),
        ("jag jobbar som kurator på ängsskoaln", ANGS, "ängsskoaln"),
        ("kan du kolla vem som gäller för Ängsskolan", ANGS, "Ängsskolan"),  # 'Kolla' is a stem
        ("Ängsskolna, vem ringer jag?", ANGS, "Ängsskolna"),
        ("jag jobbar på tunaskolan luleå", "lulea/tunaskolan-7-9", "tunaskolan"),
        ("vi på Montessoriskolan Globey undrar", "alingsas/montessoriskolan-globen", None),
    ],
)
def test_a_name_is_found_however_the_question_around_it_is_worded(
    index: SchoolIndex, text: str, key: str, school_text: str | None
) -> None:
    lookup = index.lookup(text)
    assert lookup.result.school is not None and lookup.result.school.key == key
    assert school_text is None or lookup.query.school_text == school_text


def test_a_shared_name_with_a_typo_in_a_question_is_asked_back(index: SchoolIndex) -> None:
    result = index.lookup("jag jobbar på Hagaskolna, vem ringer jag?").result
    assert result.status == "ambiguous"
    assert {"solna/hagaskolan", "sundsvall/hagaskolan"} <= {s.key for s in result.candidates}


@pytest.mark.parametrize(
    ("text", "municipality"),
    [
        ("vem är soc-kontakten?", None),
        ("jag är orolig för ett barn", None),
        ("I'm worried about a pupil", None),
        ("hur gör jag en orosanmälan", None),
        ("socialtjänsten i Mora", "mora"),
        ("Mora", "mora"),
        ("upplands väsby", "upplands-vasby"),
        ("vem är soc-kontakten för åk 8 i Luleå?", "lulea"),
    ],
)
def test_a_question_naming_no_school_finds_none(
    index: SchoolIndex, text: str, municipality: str | None
) -> None:
    lookup = index.lookup(text)
    assert (lookup.query.school_text, lookup.result.status) == ("", "not_found")
    assert lookup.query.municipality_id == municipality


def test_a_name_only_in_other_municipalities_is_suggested_first(index: SchoolIndex) -> None:
    lookup = index.lookup("vem är kontakt för Tunaskolan i Mora?")
    assert (lookup.query.school_text, lookup.query.municipality_id) == ("Tunaskolan", "mora")
    assert lookup.result.status == "not_found"
    assert all(s.name.startswith("Tuna") for s in lookup.result.candidates[:4])
