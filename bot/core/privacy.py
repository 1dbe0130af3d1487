"""The privacy guard: finds Swedish personnummer and samordningsnummer in free text.

A message that contains one is never stored, logged or echoed (see `bot.core.service`). This
module only answers *whether* and *where*; it never returns or logs the digits themselves.

Policy (over-inclusive where it is cheap, silent on phone numbers, dates and codes):

The text is first read as a person sees it: Unicode NFKC (fullwidth digits, no-break and thin
spaces become plain ones), any decimal digit of another script as its ASCII digit, format
characters (zero-width space, soft hyphen, joiners) removed, and %-escapes in a link decoded.

A candidate is then a run of 6 or 8 digits, an optional separator, and 4 digits, with no digit
directly before or after. Separators are `-`, `+` (100 years or older), the Unicode dashes
a phone keyboard may substitute (‐ ‑ ‒ – — ―, −), `.`, `/` and `_`, each with or without a
space on either side, and a single space.

* **Date part.** 6 digits are `YYMMDD`; 8 digits are `YYYYMMDD` with century 18, 19 or 20.
  Month 01–12; day valid for that month (29 February whenever the two-digit year is a multiple
  of 4), or day + 60 for a samordningsnummer (61–91). Birth dates in the future are not
  rejected: a typo in the year is still personal data.
* **With a separator other than a space** (`YYMMDD-NNNC`, `YYMMDD+NNNC`, `YYYYMMDD.NNNC`): a
  valid date part is enough, the Luhn check digit is *not* required — a mistyped check digit
  is still a person's number (DOMAIN.md). When 8 digits precede the separator but their
  century is not 18–20, the last 6 are tried as `YYMMDD` ("12121212-1212" is a personnummer
  with a doubled prefix).
* **Without separator or with a space** (`YYMMDDNNNC`, `YYYYMMDDNNNC`, `YYMMDD NNNC`): the
  date part must be valid *and* the Luhn (mod 10) check over `YYMMDDNNN` must hold, because
  undivided digit runs are often order numbers or timestamps. A 10-digit form that starts
  with `0` is read as a Swedish phone number ("0701234567", "0812345678") and does not
  trigger; the same person's number written `YYMMDD-NNNC` or `YYYYMMDDNNNC` does.

Never triggering by construction: phone numbers in the usual groupings ("070-123 45 67",
"08-123 456 78", "+46 70 123 45 67", "0250-260 00"), international numbers (11+ digits),
dates ("2026-11-23", "23/11"), times, 8-digit skolenhetskoder, 4-digit kommunkoder, years,
and organisationsnummer (their "month" is 20 or more).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from urllib.parse import unquote

_SEPARATORS = "-+\u2010\u2011\u2012\u2013\u2014\u2015\u2212./_"
_CANDIDATE = re.compile(
    r"(?<![0-9])(?P<date>[0-9]{8}|[0-9]{6})"
    rf"(?P<sep> ?[{re.escape(_SEPARATORS)}] ?| ?)"
    r"(?P<tail>[0-9]{4})(?![0-9])"
)
_CENTURIES = ("18", "19", "20")


def _luhn_ok(digits: str) -> bool:
    """The Luhn check over the ten digits YYMMDDNNNC."""
    total = 0
    for i, ch in enumerate(digits[:9]):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return (10 - total % 10) % 10 == int(digits[9])


def _date_ok(yymmdd: str, year: int | None = None) -> bool:
    """A valid birth date, counting day + 60 (samordningsnummer) as valid too."""
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    if not 1 <= month <= 12:
        return False
    if day > 60:
        day -= 60
    if year is None:  # the century is unknown: allow 29 February whenever it could be leap
        year = 2000 if yy % 4 == 0 else 2001
    return 1 <= day <= calendar.monthrange(year, month)[1]


def _is_personal_number(date: str, sep: str, tail: str) -> bool:
    dashed = sep.strip() != ""
    if len(date) == 8:
        if date[:2] in _CENTURIES and _date_ok(date[2:], int(date[:4])):
            return dashed or _luhn_ok(date[2:] + tail)
        return dashed and _date_ok(date[2:])
    if not _date_ok(date):
        return False
    return dashed or (not date.startswith("0") and _luhn_ok(date + tail))


def _as_seen(text: str) -> tuple[str, list[int]]:
    """`text` as read for digits (see the module policy), and for each of its characters
    the index of the character of `text` it came from."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            chars.append(ch)
            origin.append(i)
            continue
        if unicodedata.category(ch) == "Cf":
            continue
        digit = unicodedata.decimal(ch, None)
        seen = str(digit) if digit is not None else unicodedata.normalize("NFKC", ch)
        chars.extend(seen)
        origin.extend([i] * len(seen))
    return "".join(chars), origin


def _spans(seen: str) -> list[tuple[int, int]]:
    return [
        m.span()
        for m in _CANDIDATE.finditer(seen)
        if _is_personal_number(m["date"], m["sep"], m["tail"])
    ]


def find_personal_numbers(text: str) -> list[tuple[int, int]]:
    """The (start, end) spans in `text` of every personal number, in order."""
    seen, origin = _as_seen(text)
    found = [(origin[a], origin[b - 1] + 1) for a, b in _spans(seen)]
    if "%" in text and not found and _spans(_as_seen(unquote(text))[0]):
        return [(0, len(text))]  # only a link's %-escapes hide it: the whole text is suspect
    return found


def contains_personal_number(text: str) -> bool:
    """True when `text` holds a personnummer or samordningsnummer (see the module policy)."""
    return bool(find_personal_numbers(text))
