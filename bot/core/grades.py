"""School grades as administrators write them ("F-9", "7-9", "förskola-F", "gy1-gy3") → ages.

The mapping is a convention, not a law of nature: förskola is ages 1–5, förskoleklass (F) is
6, årskurs N is N + 6 and gymnasiet year N is 15 + N. Age groups in the directory are written
in ages, so a school's grades are turned into an age span to find its contacts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from bot.core.texts import text

PRESCHOOL = (1, 5)
GRADES_HELP = "write förskola, F, 1 to 9 or gy1 to gy4, or a range such as F-9, 7-9 or förskola-F"

_TOKEN = re.compile(r"^(?:(?P<pre>förskola|forskola)|(?P<f>f)|(?P<year>[1-9])|gy(?P<gy>[1-4]))$")
_RANGE = re.compile(r"^\s*(?P<low>[^\s\-–]+)\s*(?:[-–]\s*(?P<high>[^\s\-–]+)\s*)?$")


class GradesError(ValueError):
    """A grades text that cannot be read; the message says what to write instead."""


def token_ages(token: str) -> tuple[int, int] | None:
    """The ages of one grade word ('F' → (6, 6), '8' → (14, 14)); None if not a grade."""
    m = _TOKEN.match(token.strip().lower())
    if m is None:
        return None
    if m["pre"]:
        return PRESCHOOL
    if m["f"]:
        return (6, 6)
    if m["year"]:
        age = int(m["year"]) + 6
        return (age, age)
    age = 15 + int(m["gy"])
    return (age, age)


@lru_cache(maxsize=256)  # a directory has a few dozen distinct grade texts, written 20,000 times
def parse_grades(grades: str) -> tuple[int, int]:
    """The (youngest, oldest) age of a grades text such as 'F-9'; raises GradesError."""
    m = _RANGE.match(grades)
    if m is None:
        raise GradesError(f"cannot read the grades '{grades}': {GRADES_HELP}")
    low = token_ages(m["low"])
    high = token_ages(m["high"]) if m["high"] else low
    for word, ages in ((m["low"], low), (m["high"], high)):
        if word and ages is None:
            raise GradesError(f"'{word}' is not a grade: {GRADES_HELP}")
    assert low is not None and high is not None
    if high[1] < low[0] or high[0] < low[0]:
        raise GradesError(f"the grades '{grades}' go backwards: write the lowest grade first")
    return (low[0], high[1])


GradeKind = Literal[
    "preschool", "preschool_class", "year", "upper_secondary", "upper_secondary_year", "age"
]


@dataclass(frozen=True, slots=True)
class AskedGrade:
    """The grade or age a question asked about ("åk 8", "gy2", "12 år"), as data.

    It is read from the question in whatever language it was typed, and labelled when the
    answer is written, in the answer's language: an English reader of "Ängsskolan åk 8"
    reads "year 8".
    """

    kind: GradeKind
    number: int = 0  # the school year, the upper secondary year or the age; 0 for the others

    @property
    def ages(self) -> tuple[int, int]:
        """The ages the contacts are found for."""
        n = self.number
        if self.kind == "preschool":
            return PRESCHOOL
        if self.kind == "preschool_class":
            return (6, 6)
        if self.kind == "year":
            return (n + 6, n + 6)
        if self.kind == "upper_secondary":
            return (16, 19)
        if self.kind == "upper_secondary_year":
            return (15 + n, 15 + n)
        return (n, n)

    def label(self, locale: str) -> str:
        """'åk 8' / 'year 8', 'förskoleklass' / 'preschool class', '12 år' / 'age 12'."""
        if self.kind == "age":
            return ages_label(self.number, self.number, locale)
        return text(f"grades.{self.kind}", locale, n=self.number)


def ages_label(low: int, high: int, locale: str = "sv") -> str:
    """'6–15 år' / 'ages 6–15', or '14 år' / 'age 14' for one age."""
    if low == high:
        return text("contacts.age_one", locale, age=low)
    return text("contacts.age_span", locale, low=low, high=high)
