"""School grades as administrators write them ("F-9", "7-9", "förskola-F", "gy1-gy3") → ages.

The mapping is a convention, not a law of nature: förskola is ages 1–5, förskoleklass (F) is
6, årskurs N is N + 6 and gymnasiet year N is 15 + N. Age groups in the directory are written
in ages, so a school's grades are turned into an age span to find its contacts.
"""

from __future__ import annotations

import re
from functools import lru_cache

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


def grade_of_age(age: int) -> str:
    """The usual grade of a child of `age` in the same notation: 'förskola', 'F', '8', 'gy2'."""
    if age <= PRESCHOOL[1]:
        return "förskola"
    if age == 6:
        return "F"
    if age <= 15:
        return str(age - 6)
    return f"gy{min(age - 15, 4)}"


def ages_label(low: int, high: int, locale: str = "sv") -> str:
    """'6–15 år' / 'ages 6–15', or '14 år' / 'age 14' for one age."""
    if low == high:
        return text("contacts.age_one", locale, age=low)
    return text("contacts.age_span", locale, low=low, high=high)
