"""A fixed-window counter shared by every web worker (rows in the database, not a per-process cache).

Used by the portal (codes, tracking) and by the staff side (log-in failures per address, bad API tokens and
CTI signatures per address — issue 13); the rows are core.Attempt.

`hit` answers None when the attempt is allowed (and counts it) or the seconds to wait; an attempt refused
is not counted, so a flood does not push the end of the wait further out.
"""

import math
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from anxin.core.models import Attempt

COUNT_SQL = (f"SELECT COUNT(*) FROM (SELECT 1 FROM {Attempt._meta.db_table} WHERE scope = %s AND key = %s "
             f"AND created_at > %s LIMIT %s) AS recent")


def hit(scope: str, key: str, *, limit: int, window: timedelta, now: datetime | None = None) -> int | None:
    now = now or timezone.now()
    wait = wait_seconds(scope, key, limit=limit, window=window, now=now)
    if wait is None:
        record(scope, key, now=now)
    return wait


def wait_seconds(scope: str, key: str, *, limit: int, window: timedelta, now: datetime | None = None) -> int | None:
    """None while fewer than `limit` attempts were counted in the window, else the seconds until one expires.
    For counts of failures only (wrong passwords, bad tokens): check with this, `record` each failure."""
    now = now or timezone.now()
    if limit > 0 and _counted(scope, key[:80], since=now - window, limit=limit) < limit:
        return None
    recent = Attempt.objects.filter(scope=scope, key=key[:80], created_at__gt=now - window)
    oldest = recent.order_by("created_at").values_list("created_at", flat=True).first() or now
    return max(1, math.ceil((oldest + window - now).total_seconds()))


def _counted(scope: str, key: str, *, since: datetime, limit: int) -> int:
    """The attempts in the window, counted up to `limit` (a flood's rows are not all walked). Plain SQL: this runs
    on every API request (the bad-token check) and the ORM built the count's SQL in 0.3 ms — 6 % of an API create."""
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL, [scope, key, connection.ops.adapt_datetimefield_value(since), limit])
        return cursor.fetchone()[0]


def record(scope: str, key: str, *, now: datetime | None = None) -> None:
    Attempt.objects.create(scope=scope, key=key[:80], created_at=now or timezone.now())


def count(scope: str, key: str, *, window: timedelta, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return Attempt.objects.filter(scope=scope, key=key[:80], created_at__gt=now - window).count()


def purge(*, older_than: timedelta = timedelta(days=2), now: datetime | None = None) -> int:
    return Attempt.objects.filter(created_at__lt=(now or timezone.now()) - older_than).delete()[0]
