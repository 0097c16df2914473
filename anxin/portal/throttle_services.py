"""A fixed-window counter shared by every web worker (rows in the database, not a per-process cache).

`hit` answers None when the attempt is allowed (and counts it) or the seconds to wait; an attempt refused
is not counted, so a flood does not push the end of the wait further out.
"""

import math
from datetime import datetime, timedelta

from django.utils import timezone

from anxin.portal.models import Attempt


def hit(scope: str, key: str, *, limit: int, window: timedelta, now: datetime | None = None) -> int | None:
    now = now or timezone.now()
    since = now - window
    recent = Attempt.objects.filter(scope=scope, key=key[:80], created_at__gt=since)
    if limit <= 0 or recent.count() >= limit:
        oldest = recent.order_by("created_at").values_list("created_at", flat=True).first() or now
        return max(1, math.ceil((oldest + window - now).total_seconds()))
    Attempt.objects.create(scope=scope, key=key[:80], created_at=now)
    return None


def count(scope: str, key: str, *, window: timedelta, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return Attempt.objects.filter(scope=scope, key=key[:80], created_at__gt=now - window).count()


def purge(*, older_than: timedelta = timedelta(days=2), now: datetime | None = None) -> int:
    return Attempt.objects.filter(created_at__lt=(now or timezone.now()) - older_than).delete()[0]
