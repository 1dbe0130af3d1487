"""The privacy guard: personal numbers are caught, phone numbers, dates and codes are not."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.privacy import contains_personal_number, find_personal_numbers

# (text, detected?, why) — the policy in the module docstring, one row per rule.
CASES = [
    ("701063-2391", True, "samordningsnummer (day 63), Luhn-valid"),
    ("121212-1212", True, "YYMMDD-NNNC, Luhn-valid"),
    ("121212+1212", True, "plus for a person aged 100 or more"),
    ("19121212-1212", True, "YYYYMMDD-NNNC"),
    ("191212121212", True, "YYYYMMDDNNNC"),
    ("1212121212", True, "YYMMDDNNNC, Luhn-valid"),
    ("121212-1213", True, "dashed with a mistyped check digit is still personal data"),
    ("19121212-1213", True, "12-digit dashed with a mistyped check digit"),
    ("12121212-1212", True, "doubled prefix before a dash: last six digits are a date"),
    ("121212–1212", True, "en dash from a phone keyboard"),
    ("121212 1212", True, "space-separated, Luhn-valid"),
    ("701063 2391", True, "space-separated samordningsnummer"),
    ("200002292381", True, "29 February of a leap year"),
    ("080512-1234", True, "a gymnasium pupil's number, dashed, starting with 0"),
    ("20080512-1234", True, "the same with the century"),
    ("elev 121212-1212, åk 8", True, "inside a sentence"),
    ("pnr:121212-1212.", True, "glued to punctuation"),
    ("1212121213", False, "undivided with a wrong check digit: could be any number"),
    ("121212 1213", False, "space-separated with a wrong check digit"),
    ("191212121213", False, "12 undivided digits with a wrong check digit"),
    ("121232-1212", False, "day 32 is no date"),
    ("121300-1212", False, "month 13 is no date"),
    ("190229-1234", False, "29 February 2019 does not exist"),
    ("21121312-1212", False, "century 21 and the last six are no date"),
    ("0701234567", False, "mobile number, undivided"),
    ("0701120008", False, "mobile number that is also date- and Luhn-valid"),
    ("070-123 45 67", False, "mobile number, grouped"),
    ("070-1234567", False, "mobile number, one dash"),
    ("08-123 456 78", False, "Stockholm landline"),
    ("0812345678", False, "Stockholm landline, undivided"),
    ("+46 70 123 45 67", False, "international format"),
    ("+46701234567", False, "international format, undivided"),
    ("0046701234567", False, "international with 00"),
    ("0250-260 00", False, "Mora reception"),
    ("2026-11-23", False, "ISO date"),
    ("23/11", False, "day/month"),
    ("23/11 kl 14:30", False, "date and time"),
    ("88046548", False, "skolenhetskod"),
    ("2062", False, "kommunkod"),
    ("Ängsskolan åk 8 år 2026", False, "years and grades"),
    ("556036-0793", False, "organisationsnummer (month 60)"),
    ("12345678", False, "8 digits"),
    ("1212121212121", False, "13 digits"),
    ("", False, "empty"),
]


@pytest.mark.parametrize(("text", "expected", "why"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_policy(text: str, expected: bool, why: str) -> None:
    assert contains_personal_number(text) is expected, why
    assert bool(find_personal_numbers(text)) is expected, why


def test_spans_point_at_each_number_and_nothing_else() -> None:
    text = "Elev 121212-1212 och syskon 191212121212, ring 070-123 45 67"
    spans = find_personal_numbers(text)
    assert [text[a:b] for a, b in spans] == ["121212-1212", "191212121212"]


def _check_digit(nine: str) -> str:
    total = 0
    for i, ch in enumerate(nine):
        n = int(ch) * (2 - i % 2)
        total += n // 10 + n % 10
    return str((10 - total % 10) % 10)


@st.composite
def personal_numbers(draw: st.DrawFn) -> str:
    """A valid personnummer or samordningsnummer in any of the forms the policy detects."""
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 11, 25)))
    day = born.day + (60 if draw(st.booleans()) else 0)
    yymmdd = f"{born.year % 100:02d}{born.month:02d}{day:02d}"
    serial = f"{draw(st.integers(0, 999)):03d}"
    tail = serial + _check_digit(yymmdd + serial)
    century = str(born.year // 100)
    forms = [f"{yymmdd}-{tail}", f"{yymmdd}+{tail}", f"{century}{yymmdd}-{tail}"]
    forms.append(f"{century}{yymmdd}{tail}")
    if not yymmdd.startswith("0"):  # undivided 10 digits from 0 read as phone numbers
        forms += [f"{yymmdd}{tail}", f"{yymmdd} {tail}"]
    return draw(st.sampled_from(forms))


swedish_words = st.lists(
    st.sampled_from(
        [
            "vem",
            "är",
            "kontakt",
            "för",
            "Ängsskolan",
            "åk",
            "elev",
            "född",
            "orosanmälan",
            "socialtjänsten",
            "hej",
            "pojken",
            "flickan",
            "mamma",
            "pappa",
            "Luleå",
            "tack",
        ]
    ),
    max_size=8,
).map(" ".join)
glue = st.sampled_from([" ", ", ", ": ", " (", "\n", " pnr ", "."])


@given(before=swedish_words, left=glue, number=personal_numbers(), right=glue, after=swedish_words)
def test_any_valid_number_in_swedish_text_is_found(
    before: str, left: str, number: str, right: str, after: str
) -> None:
    text = before + left + number + right + after
    assert contains_personal_number(text)
    start = len(before + left)
    assert (start, start + len(number)) in find_personal_numbers(text)


@given(st.text())
def test_random_text_never_crashes(text: str) -> None:
    spans = find_personal_numbers(text)
    assert contains_personal_number(text) is bool(spans)
    assert all(0 <= a < b <= len(text) for a, b in spans)


# The spellings a guard that reads only ASCII misses: what a phone keyboard, a copy from a
# document or a link makes of the same number.
DISGUISED = [
    ("121212\u00a01212", "a no-break space"),
    ("121212\u202f1212", "a narrow no-break space"),
    ("121212-\u200b1212", "a zero-width space after the dash"),
    ("1\u200b2\u200c1\u200d2\u20601212-1212", "zero-width characters between the digits"),
    ("12\u00ad1212-1212", "a soft hyphen"),
    ("\uff11\uff12\uff11\uff12\uff11\uff12-\uff11\uff12\uff11\uff12", "fullwidth digits"),
    ("\u0661\u0662\u0661\u0662\u0661\u0662-\u0661\u0662\u0661\u0662", "Arabic-Indic digits"),
    ("\u0967\u0968\u0967\u0968\u0967\u0968-\u0967\u0968\u0967\u0968", "Devanagari digits"),
    ("121212 - 1212", "a dash with spaces around it"),
    ("121212 -1212", "a dash with a space before it"),
    ("121212.1212", "a full stop"),
    ("121212/1212", "a slash"),
    ("121212_1212", "an underscore"),
    ("19121212.1212", "a full stop after the century"),
    ("https://example.se/elev?pnr=121212-1212", "inside a link"),
    ("https://example.se/elev?pnr=121212%2D1212", "a %-escaped dash in a link"),
    ("https://example.se/elev?pnr=121212%201212", "a %-escaped space in a link"),
]


@pytest.mark.parametrize(("text", "why"), DISGUISED, ids=[d[1] for d in DISGUISED])
def test_disguised_spellings_are_found(text: str, why: str) -> None:
    assert contains_personal_number(text), why


def test_a_span_points_at_the_disguised_number_in_the_text_as_typed() -> None:
    text = "elev \u200b\uff11\uff12\uff11\uff12\uff11\uff12-1212 åk 8"
    [(start, end)] = find_personal_numbers(text)
    assert text[start:end] == "\uff11\uff12\uff11\uff12\uff11\uff12-1212"


def test_phone_numbers_stay_silent_in_other_scripts_and_spacings() -> None:
    for phone in ("\uff10\uff17\uff10-123 45 67", "070\u00a0123\u00a045\u00a067", "08/123 456 78"):
        assert not contains_personal_number(phone), phone


DIGIT_SCRIPTS = [0x30, 0xFF10, 0x660, 0x966, 0x9E6, 0x1D7CE]  # ASCII, fullwidth, Arabic-Indic, …
INVISIBLE = ["", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
SPACES = ["", " ", "\u00a0", "\u202f", "\u2009"]


@st.composite
def disguised(draw: st.DrawFn) -> str:
    """A valid number written with other digits, separators, spaces and invisible marks."""
    number = draw(personal_numbers())
    date, sep, tail = re.fullmatch(r"(\d{6,8})([-+ ]?)(\d{4})", number).groups()  # type: ignore[union-attr]
    if sep in ("-", "+"):
        sep = draw(st.sampled_from(["-", "+", "\u2013", "\u2212", ".", "/", "_"]))
        sep = draw(st.sampled_from(SPACES[:2])) + sep + draw(st.sampled_from(SPACES[:2]))
    elif sep == " ":
        sep = draw(st.sampled_from(SPACES[1:]))
    base = draw(st.sampled_from(DIGIT_SCRIPTS))
    out = []
    for ch in date + "\x00" + tail:
        if ch == "\x00":
            out.append(sep)
            continue
        out.append(chr(base + int(ch)) + draw(st.sampled_from(INVISIBLE)))
    return "".join(out)


@given(before=swedish_words, number=disguised(), after=swedish_words)
def test_any_disguised_spelling_is_found(before: str, number: str, after: str) -> None:
    assert contains_personal_number(f"{before} {number} {after}")
