"""The business clock (E2): Chinese public holidays and make-up working days (调休), working hours, overrides.

Pure Python, no database: `BusinessCalendar` is built from settings/overrides by `sla.selectors.calendar_for`.
Times are aware datetimes; arithmetic happens in Asia/Shanghai local time (China has no DST).

    add(start, minutes)   → the instant `minutes` of business time after `start`
    elapsed(start, end)   → business minutes between two instants

A year neither `chinesecalendar` nor an administrator (a published year) knows raises CalendarYearUnknown
naming the year — never a silently wrong date.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_DAYS = 3 * 366  # a clock never runs longer than this; beyond it the input is wrong


class CalendarError(ValueError):
    """Bad calendar input; the message says what is wrong."""


class CalendarYearUnknown(CalendarError):
    def __init__(self, year: int):
        super().__init__(f"the holiday calendar has no data for {year}: publish the year's holidays first")
        self.year = year


def parse_hours(text: str) -> tuple[tuple[time, time], ...]:
    """'08:30-12:00,13:30-17:30' → ordered, non-overlapping periods; CalendarError otherwise."""
    periods = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            a, b = part.split("-")
            start, end = time.fromisoformat(a.strip()), time.fromisoformat(b.strip())
        except ValueError as exc:
            raise CalendarError(f"working hours {part!r}: use HH:MM-HH:MM, e.g. 08:30-12:00") from exc
        if end <= start:
            raise CalendarError(f"working hours {part!r}: the end must be after the start")
        periods.append((start, end))
    if not periods:
        raise CalendarError("working hours are empty")
    periods.sort()
    for (_s1, e1), (s2, _e2) in zip(periods, periods[1:], strict=False):
        if s2 < e1:
            raise CalendarError("working hours overlap")
    return tuple(periods)


@dataclass(frozen=True)
class BusinessCalendar:
    periods: tuple[tuple[time, time], ...]
    # date → True (a working day) / False (closed); beats the public calendar
    overrides: dict[date, bool] = field(default_factory=dict)
    # years an administrator published (holidays entered as overrides); weekends are rest days there
    published_years: frozenset[int] = frozenset()
    always_open: bool = False  # a 24×7 clock

    def is_workday(self, day: date) -> bool:
        if self.always_open:
            return True
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year in self.published_years:
                return day.weekday() < 5
            raise CalendarYearUnknown(day.year) from None

    def _windows(self, day: date):
        if self.always_open:
            yield datetime.combine(day, time.min, SHANGHAI), datetime.combine(day + timedelta(days=1), time.min, SHANGHAI)
            return
        if self.is_workday(day):
            for start, end in self.periods:
                yield datetime.combine(day, start, SHANGHAI), datetime.combine(day, end, SHANGHAI)

    def add(self, start: datetime, minutes: float) -> datetime:
        if start.tzinfo is None:
            raise CalendarError("start must carry a time zone")
        if minutes < 0:
            raise CalendarError("minutes must not be negative")
        local = start.astimezone(SHANGHAI)
        remaining = timedelta(minutes=minutes)
        if not remaining:
            return start
        day = local.date()
        for _ in range(MAX_DAYS):
            for w_start, w_end in self._windows(day):
                begin = max(w_start, local)
                if begin >= w_end:
                    continue
                available = w_end - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= available
            day += timedelta(days=1)
        raise CalendarError(f"no due time within {MAX_DAYS} days")

    def elapsed(self, start: datetime, end: datetime) -> float:
        """Business minutes in [start, end); 0 when end <= start."""
        if start.tzinfo is None or end.tzinfo is None:
            raise CalendarError("times must carry a time zone")
        if end <= start:
            return 0.0
        a, b = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
        if (b.date() - a.date()).days > MAX_DAYS:
            raise CalendarError(f"a span longer than {MAX_DAYS} days")
        total = timedelta()
        day = a.date()
        while day <= b.date():
            for w_start, w_end in self._windows(day):
                lo, hi = max(w_start, a), min(w_end, b)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total.total_seconds() / 60


DEFAULT_HOURS = "08:30-12:00,13:30-17:30"
ALWAYS_OPEN = BusinessCalendar(periods=((time.min, time.max),), always_open=True)
