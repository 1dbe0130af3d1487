"""Office hours in Swedish local time: weekdays, the short Friday, evenings, holidays and DST."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.clock import (
    STOCKHOLM,
    describe,
    format_date,
    is_closed_day,
    is_office_hours,
    midsommarafton,
    now,
    public_holidays,
    route_at,
)
from bot.core.directory import parse_municipality
from bot.core.holiday_table import PUBLIC_HOLIDAYS
from bot.core.models import Municipality, OpeningSpan
from bot.core.yamlio import load_document
from tests.helpers.holiday_table import FIRST_YEAR, LAST_YEAR, library_days

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "directory" / "valid.yml"


@pytest.fixture(scope="module")
def testby() -> Municipality:
    """Office hours mon-thu 08:00-16:30, fri 08:00-15:00."""
    municipality, _ = parse_municipality(load_document(FIXTURE), today=date(2026, 11, 25))
    assert municipality is not None
    return municipality


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        ("2026-11-23T10:00", True),  # Monday morning
        ("2026-11-23T08:00", True),  # opening minute
        ("2026-11-23T07:59", False),
        ("2026-11-26T16:29", True),  # Thursday, last minute
        ("2026-11-26T16:30", False),  # closing minute: closed
        ("2026-11-27T14:59", True),  # Friday short day
        ("2026-11-27T15:30", False),
        ("2026-11-23T18:30", False),  # evening
        ("2026-11-28T11:00", False),  # Saturday
        ("2026-11-29T11:00", False),  # Sunday
        ("2026-12-25T10:00", False),  # juldagen, a Friday
        ("2026-12-24T10:00", False),  # julafton, a Thursday: treated as closed
        ("2026-12-31T10:00", False),  # nyårsafton: treated as closed
        ("2027-01-06T10:00", False),  # trettondedag jul
        ("2026-06-19T10:00", False),  # midsommarafton
        ("2026-06-18T10:00", True),  # the Thursday before is an ordinary day
        ("2026-04-03T10:00", False),  # långfredagen
        ("2026-05-14T10:00", False),  # Kristi himmelfärds dag
    ],
)
def test_office_hours(testby: Municipality, when: str, open_: bool) -> None:
    assert is_office_hours(testby, at(when)) is open_
    assert route_at(testby, at(when)).kind == ("reception" if open_ else "after_hours")


def test_in_office_hours_the_route_is_the_reception(testby: Municipality) -> None:
    route = route_at(testby, at("2026-11-23T10:00"))
    assert route.office == testby.reception
    assert route.opens_next is None


@pytest.mark.parametrize(
    ("when", "opens", "sv", "en"),
    [
        ("2026-11-23T18:30", "2026-11-24T08:00", "i morgon kl. 08:00", "tomorrow at 08:00"),
        ("2026-11-23T06:15", "2026-11-23T08:00", "i dag kl. 08:00", "today at 08:00"),
        (
            "2026-11-27T15:10",
            "2026-11-30T08:00",
            "måndag 30 november kl. 08:00",
            "on Monday 30 November at 08:00",
        ),
        (
            "2026-12-23T17:00",
            "2026-12-28T08:00",
            "måndag 28 december kl. 08:00",
            "on Monday 28 December at 08:00",
        ),
        (
            "2026-12-30T17:00",
            "2027-01-04T08:00",
            "måndag 4 januari kl. 08:00",
            "on Monday 4 January at 08:00",
        ),
    ],
)
def test_after_hours_says_when_the_reception_opens(
    testby: Municipality, when: str, opens: str, sv: str, en: str
) -> None:
    route = route_at(testby, at(when))
    assert route.kind == "after_hours"
    assert route.office == testby.after_hours
    assert route.opens_next == at(opens)
    assert describe(at(opens), at(when), "sv") == sv
    assert describe(at(opens), at(when), "en") == en


def test_times_from_other_zones_are_read_in_swedish_local_time(testby: Municipality) -> None:
    # 07:30 UTC on a November Monday is 08:30 in Stockholm (CET, UTC+1)
    assert is_office_hours(testby, datetime(2026, 11, 23, 7, 30, tzinfo=UTC))
    assert not is_office_hours(testby, datetime(2026, 11, 23, 6, 30, tzinfo=UTC))
    # a naive time is taken as Swedish local time
    assert is_office_hours(testby, datetime(2026, 11, 23, 8, 30))


def test_dst_change_days(testby: Municipality) -> None:
    # summer time starts Sunday 2026-03-29: Monday 06:30 UTC is 08:30 CEST (UTC+2)
    assert is_office_hours(testby, datetime(2026, 3, 30, 6, 30, tzinfo=UTC))
    # the Friday before, 06:30 UTC is 07:30 CET: still closed
    assert not is_office_hours(testby, datetime(2026, 3, 27, 6, 30, tzinfo=UTC))
    opens = route_at(testby, at("2026-03-28T23:00")).opens_next
    assert opens is not None
    assert opens.astimezone(UTC) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    # summer time ends Sunday 2026-10-25: Monday 07:30 UTC is 08:30 CET again
    assert is_office_hours(testby, datetime(2026, 10, 26, 7, 30, tzinfo=UTC))
    assert not is_office_hours(testby, datetime(2026, 10, 26, 6, 30, tzinfo=UTC))
    opens = route_at(testby, at("2026-10-24T12:00")).opens_next
    assert opens is not None
    assert opens.astimezone(UTC) == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)


def test_a_sunday_opening_is_not_cancelled_as_a_holiday(testby: Municipality) -> None:
    # the holidays library counts every Sunday as a holiday unless told not to
    weekend = tuple(OpeningSpan(d, time(10), time(14)) for d in (5, 6))
    open_all_week = replace(testby, office_hours=testby.office_hours + weekend)
    assert is_office_hours(open_all_week, at("2026-11-29T11:00"))  # an ordinary Sunday
    assert not is_office_hours(open_all_week, at("2026-04-05T11:00"))  # påskdagen


def test_a_municipality_without_office_hours_always_routes_to_the_socialjour(
    testby: Municipality,
) -> None:
    route = route_at(replace(testby, office_hours=()), at("2026-11-23T10:00"))
    assert (route.kind, route.opens_next) == ("after_hours", None)


@pytest.mark.parametrize(
    ("year", "day"),
    [(2025, date(2025, 6, 20)), (2026, date(2026, 6, 19)), (2027, date(2027, 6, 25))],
)
def test_midsommarafton_is_the_friday_between_19_and_25_june(year: int, day: date) -> None:
    assert midsommarafton(year) == day
    assert is_closed_day(day)
    assert not is_closed_day(day - timedelta(days=1))


def test_dates_are_written_out() -> None:
    assert format_date(date(2027, 1, 6)) == "6 januari 2027"
    assert format_date(date(2027, 1, 6), "en") == "6 January 2027"


def test_now_is_aware_and_swedish() -> None:
    current = now()
    assert current.tzinfo == STOCKHOLM
    assert abs(current - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_holiday_table_is_what_the_holidays_library_says_for_every_year() -> None:
    stale = [
        y for y in range(FIRST_YEAR, LAST_YEAR + 1) if PUBLIC_HOLIDAYS.get(y) != library_days(y)
    ]
    assert not stale, f"re-run `python -m tests.helpers.holiday_table` (differs for {stale})"
    assert date.today().year + 10 <= LAST_YEAR, "extend the table: it ends within ten years"


def test_a_year_outside_the_table_still_has_its_holidays() -> None:
    assert 2070 not in PUBLIC_HOLIDAYS
    assert date(2070, 12, 25) in public_holidays(2070)
    assert date(2070, 6, 6) in public_holidays(2070)  # nationaldagen
