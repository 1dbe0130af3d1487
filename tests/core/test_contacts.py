"""Who answers for a school: the right age group, available people first, the right office now."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from bot.core.clock import STOCKHOLM
from bot.core.contacts import cards, groups_for, resolve
from bot.core.directory import parse_municipality
from bot.core.directory_checks import build_directory
from bot.core.models import Directory
from bot.core.yamlio import load_document

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "directory" / "valid.yml"
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=STOCKHOLM)
MONDAY_EVENING = datetime(2026, 11, 23, 18, 30, tzinfo=STOCKHOLM)
CHRISTMAS_WEEK = datetime(2026, 12, 28, 10, 0, tzinfo=STOCKHOLM)  # an ordinary Monday


@pytest.fixture(scope="module")
def directory() -> Directory:
    municipality, _ = parse_municipality(load_document(FIXTURE), today=date(2026, 11, 25))
    assert municipality is not None
    return build_directory([municipality])


Shown = list[tuple[str, list[tuple[str, int, date | None]]]]


def names(directory: Directory, key: str, ages: tuple[int, int] | None, when: datetime) -> Shown:
    """(group id or 'all', [(person id, rank, away until)]) in the order they are shown."""
    answer = resolve(directory, directory.schools[key], ages, when)
    return [
        (
            g.group.id if g.group else "all",
            [(c.person.id, c.rank, c.away_until) for c in g.contacts],
        )
        for g in answer.groups
    ]


def test_a_grade_picks_its_age_group_primary_first(directory: Directory) -> None:
    assert names(directory, "testby/angsskolan-f-9", (14, 14), MONDAY_MORNING) == [
        ("unga", [("cecilia-l", 1, None), ("team-tidiga", 2, None)])
    ]


def test_without_a_grade_every_group_the_school_serves_answers(directory: Directory) -> None:
    assert names(directory, "testby/angsskolan-f-9", None, MONDAY_MORNING) == [
        ("barn", [("bertil-k", 1, None), ("anna-s", 2, None)]),
        ("unga", [("cecilia-l", 1, None), ("team-tidiga", 2, None)]),
    ]


def test_ages_the_school_does_not_have_give_no_group(directory: Directory) -> None:
    assert names(directory, "testby/tunaskolan-7-9", (8, 8), MONDAY_MORNING) == []


def test_a_span_of_ages_may_cover_two_groups(directory: Directory) -> None:
    school = directory.schools["testby/angsskolan-f-9"]
    municipality = directory.municipality_of(school)
    assert [g.id for g in groups_for(school, municipality, (12, 13))] == ["barn", "unga"]
    assert [g.id for g in groups_for(school, municipality, (6, 6))] == ["barn"]


def test_a_school_with_all_has_one_list_for_every_age(directory: Directory) -> None:
    school = directory.schools["testby/backens-forskola"]
    assert groups_for(school, directory.municipality_of(school), (3, 3)) == ()
    assert names(directory, "testby/backens-forskola", (3, 3), MONDAY_MORNING) == [
        ("all", [("anna-s", 1, None)])
    ]


def test_when_the_primary_is_away_the_backup_answers_first(directory: Directory) -> None:
    assert names(directory, "testby/angsskolan-f-9", (8, 8), CHRISTMAS_WEEK) == [
        ("barn", [("anna-s", 1, None), ("bertil-k", 2, date(2027, 1, 6))])
    ]
    back = datetime(2027, 1, 7, 10, 0, tzinfo=STOCKHOLM)
    assert names(directory, "testby/angsskolan-f-9", (8, 8), back) == [
        ("barn", [("bertil-k", 1, None), ("anna-s", 2, None)])
    ]


def test_cards_in_office_hours_contacts_then_reception_then_socialjour(
    directory: Directory,
) -> None:
    answer = resolve(directory, directory.schools["testby/angsskolan-f-9"], (8, 8), MONDAY_MORNING)
    assert answer.route.kind == "reception"
    shown = [(c.role, c.name, c.label, c.note, c.url) for c in cards(answer, "sv")]
    assert shown == [
        ("contact", "Bertil Karlsson", "Barn 0–12 år – svarar i första hand", None, None),
        ("contact", "Anna Svensson", "Barn 0–12 år – reserv", None, None),
        (
            "reception",
            "Mottagningen barn och unga",
            "Mottagningen – tar emot orosanmälningar dagtid",
            None,
            "https://testby.example.se/orosanmalan",
        ),
        (
            "after_hours",
            "Socialjouren Testlän",
            "Socialjouren – kvällar, nätter, helger och helgdagar",
            None,
            None,
        ),
    ]
    anna = cards(answer, "sv")[1]
    assert (anna.title, anna.phone, anna.slack) == (
        "Socialsekreterare",
        "0000-00 01 01",
        "U01ABCDEF1",
    )


def test_cards_after_hours_put_the_socialjour_before_the_reception(directory: Directory) -> None:
    answer = resolve(directory, directory.schools["testby/tunaskolan-7-9"], None, MONDAY_EVENING)
    assert answer.route.kind == "after_hours"
    assert [c.role for c in cards(answer, "sv")] == ["contact", "after_hours", "reception"]


def test_an_away_card_says_until_when_in_both_languages(directory: Directory) -> None:
    answer = resolve(directory, directory.schools["testby/angsskolan-f-9"], (8, 8), CHRISTMAS_WEEK)
    sv = cards(answer, "sv")
    assert [(c.name, c.label, c.note) for c in sv[:2]] == [
        ("Anna Svensson", "Barn 0–12 år – svarar i första hand", None),
        ("Bertil Karlsson", "Barn 0–12 år – reserv", "Frånvarande till och med 6 januari 2027."),
    ]
    en = cards(answer, "en")
    assert [(c.label, c.note) for c in en[:2]] == [
        ("ages 0–12 – answers first", None),  # the directory names its groups in Swedish only
        ("ages 0–12 – backup", "Away until and including 6 January 2027."),
    ]


def test_the_all_list_is_labelled_for_every_age(directory: Directory) -> None:
    answer = resolve(directory, directory.schools["testby/backens-forskola"], None, MONDAY_MORNING)
    assert cards(answer, "sv")[0].label == "Alla åldrar – svarar i första hand"
    assert cards(answer, "en")[0].label == "All ages – answers first"


def test_cards_can_leave_every_email_address_out(directory: Directory) -> None:
    answer = resolve(directory, directory.schools["testby/angsskolan-f-9"], None, MONDAY_MORNING)
    assert any(c.email for c in cards(answer, "sv"))
    without = cards(answer, "sv", emails=False)
    assert [c.name for c in without] == [c.name for c in cards(answer, "sv")]
    assert all(c.email is None for c in without)
