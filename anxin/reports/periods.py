"""Report periods: a date range in the site's time zone, cut into day / week / month / quarter buckets. Pure."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
GRAINS = ("day", "week", "month", "quarter")


@dataclass(frozen=True)
class Bucket:
    key: str  # 2026-11, 2026-W47, 2026Q4, 2026-11-05
    first: date
    last: date  # inclusive, clipped to the period


@dataclass(frozen=True)
class Period:
    since: date
    until: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time.min, SHANGHAI)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.until + timedelta(days=1), time.min, SHANGHAI)

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one (for trends)."""
        return Period(self.since - timedelta(days=self.days), self.since - timedelta(days=1))


def bucket_start(day: date, grain: str) -> date:
    if grain == "day":
        return day
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(grain)


def _bucket_end(first: date, grain: str) -> date:
    if grain == "day":
        return first
    if grain == "week":
        return first + timedelta(days=6)
    months = 1 if grain == "month" else 3
    year, month = divmod(first.month - 1 + months, 12)
    return date(first.year + year, month + 1, 1) - timedelta(days=1)


def bucket_key(first: date, grain: str) -> str:
    if grain == "day":
        return first.isoformat()
    if grain == "week":
        iso = first.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if grain == "month":
        return f"{first.year}-{first.month:02d}"
    return f"{first.year}Q{(first.month - 1) // 3 + 1}"


def buckets(period: Period, grain: str) -> list[Bucket]:
    """Every bucket that meets the period, in order, each clipped to the period (so drill-downs add up)."""
    out, first = [], bucket_start(period.since, grain)
    while first <= period.until:
        last = _bucket_end(first, grain)
        out.append(Bucket(bucket_key(first, grain), max(first, period.since), min(last, period.until)))
        first = last + timedelta(days=1)
    return out


def default_grain(period: Period) -> str:
    if period.days <= 45:
        return "day"
    if period.days <= 200:
        return "week"
    return "month" if period.days <= 800 else "quarter"
