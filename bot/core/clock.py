"""Time and routing: is the reception open now, and if not, when does it open again.

All decisions use Swedish local time (Europe/Stockholm), whatever the server's zone, so a
question at 18:30 in Mora goes to the socialjour in summer and in winter alike.

Closed days are the Swedish public holidays (the `holidays` library, without its rule that
every Sunday is a holiday — weekends are decided by `office_hours`; read from its table in
bot.core.holiday_table for 2000–2060) plus midsommarafton,
julafton and nyårsafton. Those three eves are not public holidays by law, but in practice
municipal offices are closed or staffed as on a holiday, so the bot sends callers to the
socialjour rather than to a reception that may not answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.holiday_table import PUBLIC_HOLIDAYS
from bot.core.models import Municipality, Office
from bot.core.texts import text

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LOOKAHEAD_DAYS = 21  # longer than any run of closed days (Christmas to Epiphany)


def now() -> datetime:
    """The current time, aware, in Swedish local time."""
    return datetime.now(STOCKHOLM)


def running_from(start: datetime) -> Callable[[], datetime]:
    """A clock that shows `start` now and then runs at the real pace: `serve --at`, to see
    a deployment answer (and time consultation requests) as it would at another hour."""
    offset = start - now()
    return lambda: now() + offset


def midsommarafton(year: int) -> date:
    """The Friday between 19 and 25 June."""
    first = date(year, 6, 19)
    return first + timedelta(days=(4 - first.weekday()) % 7)


@cache
def closed_days(year: int) -> frozenset[date]:
    """Days in `year` when the reception is closed whatever its office hours say."""
    eves = {midsommarafton(year), date(year, 12, 24), date(year, 12, 31)}
    return frozenset(public_holidays(year)) | eves


def public_holidays(year: int) -> list[date]:
    """Sweden's public holidays in `year`: from the table, else from the library itself."""
    table = PUBLIC_HOLIDAYS.get(year)
    if table is not None:
        return [date(year, int(day[:2]), int(day[3:])) for day in table.split()]
    from holidays.countries.sweden import Sweden  # here: `holidays` is 17 MiB, rarely needed

    return list(Sweden(years=year, include_sundays=False))


def is_closed_day(day: date) -> bool:
    """A Swedish public holiday, midsommarafton, julafton or nyårsafton."""
    return day in closed_days(day.year)


def to_local(when: datetime) -> datetime:
    """`when` in Swedish local time; a naive time is taken to be Swedish local time already."""
    if when.tzinfo is None:
        return when.replace(tzinfo=STOCKHOLM)
    return when.astimezone(STOCKHOLM)


def is_office_hours(m: Municipality, when: datetime) -> bool:
    """Whether the reception of `m` answers at `when` (closes at its closing minute)."""
    local = to_local(when)
    if is_closed_day(local.date()):
        return False
    clock = local.time().replace(tzinfo=None)
    return any(
        span.weekday == local.weekday() and span.opens <= clock < span.closes
        for span in m.office_hours
    )


def next_opening(m: Municipality, when: datetime) -> datetime | None:
    """When the reception opens next after `when` (aware, Stockholm), or None if it never does."""
    local = to_local(when)
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if is_closed_day(day):
            continue
        for span in sorted(m.office_hours, key=lambda s: s.opens):
            if span.weekday != day.weekday():
                continue
            opens = datetime.combine(day, span.opens, tzinfo=STOCKHOLM)
            if opens > local:
                return opens
    return None


@dataclass(frozen=True, slots=True)
class Route:
    """Where a caller should turn at a given time; `opens_next` is set when it is closed."""

    kind: Literal["reception", "after_hours"]
    office: Office
    opens_next: datetime | None


def route_at(m: Municipality, when: datetime) -> Route:
    """The reception in office hours; else the socialjour, with when the reception reopens."""
    if is_office_hours(m, when):
        return Route("reception", m.reception, None)
    return Route("after_hours", m.after_hours, next_opening(m, when))


def _names(key: str, locale: str) -> list[str]:
    return text(key, locale).split()


def format_date(day: date, locale: str = "sv") -> str:
    """'6 januari 2027' / '6 January 2027'."""
    month = _names("contacts.month_names", locale)[day.month - 1]
    return text("contacts.date", locale, day=day.day, month=month, year=day.year)


def describe(opens: datetime, when: datetime, locale: str = "sv") -> str:
    """When `opens` is, seen from `when`: 'i dag kl. 13:00', 'i morgon kl. 08:00',
    'måndag 28 december kl. 08:00'."""
    at, ref = to_local(opens), to_local(when)
    clock = at.strftime("%H:%M")
    days = (at.date() - ref.date()).days
    if days == 0:
        return text("contacts.opens_today", locale, time=clock)
    if days == 1:
        return text("contacts.opens_tomorrow", locale, time=clock)
    weekday = _names("contacts.weekday_names", locale)[at.weekday()]
    month = _names("contacts.month_names", locale)[at.month - 1]
    return text("contacts.opens_on", locale, weekday=weekday, day=at.day, month=month, time=clock)
