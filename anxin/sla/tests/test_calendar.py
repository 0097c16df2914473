"""The business clock against a brute-force oracle that walks minute by minute (issue 4)."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anxin.sla.calendar import (
    ALWAYS_OPEN,
    SHANGHAI,
    BusinessCalendar,
    CalendarError,
    CalendarYearUnknown,
    parse_hours,
)

CAL = BusinessCalendar(periods=parse_hours("08:30-12:00,13:30-17:30"))


def oracle_add(cal: BusinessCalendar, start: datetime, minutes: int) -> datetime:
    """Walk minute by minute, counting minutes that fall inside working time."""
    if minutes == 0:
        return start
    t, counted = start, 0
    while True:
        local = t.astimezone(SHANGHAI)
        if cal.is_workday(local.date()) and any(a <= local.time() < b for a, b in cal.periods):
            counted += 1
            if counted == minutes:
                return t + timedelta(minutes=1)
        t += timedelta(minutes=1)


def oracle_elapsed(cal: BusinessCalendar, start: datetime, end: datetime) -> int:
    t, counted = start, 0
    while t < end:
        local = t.astimezone(SHANGHAI)
        if cal.is_workday(local.date()) and any(a <= local.time() < b for a, b in cal.periods):
            counted += 1
        t += timedelta(minutes=1)
    return counted


minute_starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20)).map(  # noqa: DTZ001 — hypothesis takes naive bounds
    lambda d: d.replace(second=0, microsecond=0, tzinfo=SHANGHAI))


@settings(max_examples=100, deadline=None)
@given(start=minute_starts, minutes=st.integers(min_value=0, max_value=2400))
def test_add_equals_the_minute_walk(start, minutes):
    assert CAL.add(start, minutes) == oracle_add(CAL, start, minutes)


@settings(max_examples=50, deadline=None)
@given(start=minute_starts, span=st.integers(min_value=0, max_value=6 * 24 * 60))
def test_elapsed_equals_the_minute_walk_and_inverts_add(start, span):
    end = start + timedelta(minutes=span)
    business = CAL.elapsed(start, end)
    assert business == oracle_elapsed(CAL, start, end)
    if business:
        assert CAL.add(start, business) <= end


# Spring Festival 2026 (Feb 15–23 off; Sat Feb 14 and Sat Feb 28 are make-up working days)
@pytest.mark.parametrize("start, minutes, due", [
    # 4 business hours from Friday 13 Feb 16:00: 1.5 h Friday, then Saturday 14 Feb is a make-up working day
    ((2026, 2, 13, 16, 0), 240, (2026, 2, 14, 11, 0)),
    # from the make-up Saturday evening, the holiday skips to Tuesday 24 Feb
    ((2026, 2, 14, 17, 0), 60, (2026, 2, 24, 9, 0)),
    # National Day 2026: Oct 1–7 off; Sat 10 Oct is a make-up day
    # 1.5 h on 30 Sep, then Oct 1–7 off: 6.5 h on Thursday 8 Oct
    ((2026, 9, 30, 16, 0), 480, (2026, 10, 8, 16, 30)),
    # lunch break is not working time
    ((2026, 3, 2, 11, 30), 60, (2026, 3, 2, 14, 0)),
])
def test_known_holiday_cases(start, minutes, due):
    assert CAL.add(datetime(*start, tzinfo=SHANGHAI), minutes) == datetime(*due, tzinfo=SHANGHAI)


def test_overrides_beat_the_public_calendar():
    closed = BusinessCalendar(periods=CAL.periods, overrides={date(2026, 3, 2): False})
    assert closed.add(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), 60) == datetime(2026, 3, 3, 9, 30, tzinfo=SHANGHAI)


def test_an_unknown_year_is_a_clear_error_naming_it():
    with pytest.raises(CalendarYearUnknown, match="2027"):
        CAL.add(datetime(2026, 12, 31, 16, 0, tzinfo=SHANGHAI), 240)
    published = BusinessCalendar(periods=CAL.periods, published_years=frozenset({2027}),
                                 overrides={date(2027, 1, 1): False})
    # 30 min on 31 Dec, 1 Jan closed (override), weekend, then 30 min on Monday 4 Jan
    assert published.add(datetime(2026, 12, 31, 17, 0, tzinfo=SHANGHAI), 60) == datetime(2027, 1, 4, 9, 0,
                                                                                           tzinfo=SHANGHAI)


def test_always_open_clock_is_wall_time():
    start = datetime(2026, 10, 1, 23, 0, tzinfo=SHANGHAI)
    assert ALWAYS_OPEN.add(start, 120) == start + timedelta(hours=2)
    assert ALWAYS_OPEN.elapsed(start, start + timedelta(hours=30)) == 30 * 60


@pytest.mark.parametrize("text", ["", "08:30", "12:00-08:30", "08:00-12:00,11:00-13:00", "8h-12h"])
def test_bad_working_hours_are_refused(text):
    with pytest.raises(CalendarError):
        parse_hours(text)


def test_naive_or_negative_input_is_refused():
    with pytest.raises(CalendarError):
        CAL.add(datetime(2026, 3, 2, 9, 0), 10)  # noqa: DTZ001 — the point of the test
    with pytest.raises(CalendarError):
        CAL.add(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), -1)
    assert time(8, 30) == CAL.periods[0][0]
