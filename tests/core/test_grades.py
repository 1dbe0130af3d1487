"""Grades as administrators write them turn into the ages that pick a school's contacts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.grades import AskedGrade, GradesError, ages_label, parse_grades


@pytest.mark.parametrize(
    ("grades", "ages"),
    [
        ("F-9", (6, 15)),
        ("7-9", (13, 15)),
        ("4-9", (10, 15)),
        ("F", (6, 6)),
        ("förskola", (1, 5)),
        ("Förskola-F", (1, 6)),
        ("forskola-3", (1, 9)),
        ("gy1-gy3", (16, 18)),
        ("F–6", (6, 12)),
        (" 7 - 9 ", (13, 15)),
        ("9-gy4", (15, 19)),
    ],
)
def test_grades_map_to_ages(grades: str, ages: tuple[int, int]) -> None:
    assert parse_grades(grades) == ages


@pytest.mark.parametrize(
    ("grades", "message"),
    [
        ("åk 7-9", "cannot read the grades 'åk 7-9'"),
        ("F-10", "'10' is not a grade"),
        ("gy5", "'gy5' is not a grade"),
        ("9-7", "the grades '9-7' go backwards"),
        ("F-9-12", "cannot read the grades 'F-9-12'"),
        ("", "cannot read the grades ''"),
    ],
)
def test_unreadable_grades_say_what_to_write(grades: str, message: str) -> None:
    with pytest.raises(GradesError) as exc:
        parse_grades(grades)
    assert str(exc.value).startswith(message)
    assert "F-9" in str(exc.value) or "lowest grade first" in str(exc.value)


@pytest.mark.parametrize(
    ("age", "grade"), [(3, "förskola"), (6, "F"), (7, "1"), (14, "8"), (15, "9"), (17, "gy2")]
)
def test_each_grade_covers_its_usual_age(age: int, grade: str) -> None:
    assert parse_grades(grade)[0] <= age <= parse_grades(grade)[1]


def test_age_labels_in_both_languages() -> None:
    assert ages_label(6, 15) == "6–15 år"
    assert ages_label(14, 14) == "14 år"
    assert ages_label(6, 15, "en") == "ages 6–15"
    assert ages_label(14, 14, "en") == "age 14"


GRADE_WORDS = ["förskola", "F", *[str(n) for n in range(1, 10)], "gy1", "gy2", "gy3", "gy4"]


@given(st.integers(0, len(GRADE_WORDS) - 1), st.integers(0, len(GRADE_WORDS) - 1))
def test_a_range_spans_from_its_first_to_its_last_grade(i: int, j: int) -> None:
    low, high = sorted((i, j))
    first, last = GRADE_WORDS[low], GRADE_WORDS[high]
    ages = parse_grades(f"{first}-{last}")
    assert ages == (parse_grades(first)[0], parse_grades(last)[1])
    if low != high:
        with pytest.raises(GradesError):
            parse_grades(f"{last}-{first}")


@pytest.mark.parametrize(
    ("asked", "ages", "sv", "en"),
    [
        (AskedGrade("year", 8), (14, 14), "åk 8", "year 8"),
        (AskedGrade("preschool_class"), (6, 6), "förskoleklass", "preschool class"),
        (AskedGrade("preschool"), (1, 5), "förskola", "preschool"),
        (AskedGrade("upper_secondary"), (16, 19), "gymnasiet", "upper secondary school"),
        (
            AskedGrade("upper_secondary_year", 2),
            (17, 17),
            "gymnasiet år 2",
            "upper secondary year 2",
        ),
        (AskedGrade("age", 12), (12, 12), "12 år", "age 12"),
    ],
)
def test_an_asked_grade_has_its_ages_and_a_label_in_each_language(
    asked: AskedGrade, ages: tuple[int, int], sv: str, en: str
) -> None:
    assert (asked.ages, asked.label("sv"), asked.label("en")) == (ages, sv, en)
