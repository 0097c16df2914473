"""The shared fixed-window counter (core.throttle_services), on SQLite and PostgreSQL alike."""

from datetime import timedelta

import pytest
from django.utils import timezone

from anxin.core import throttle_services as throttle
from anxin.core.models import Attempt

pytestmark = pytest.mark.django_db
WINDOW = timedelta(minutes=10)


def test_attempts_count_only_inside_the_window_and_for_their_own_scope_and_key():
    now = timezone.now()
    for minutes in (1, 2, 3):
        throttle.record("login", "10.0.0.1", now=now - timedelta(minutes=minutes))
    throttle.record("login", "10.0.0.1", now=now - timedelta(minutes=11))  # expired
    throttle.record("login", "10.0.0.2", now=now)  # another address
    throttle.record("api_token", "10.0.0.1", now=now)  # another kind

    assert throttle.wait_seconds("login", "10.0.0.1", limit=4, window=WINDOW, now=now) is None
    # the fourth within the window reaches the limit: wait until the oldest of them (3 minutes ago) expires
    throttle.record("login", "10.0.0.1", now=now)
    assert throttle.wait_seconds("login", "10.0.0.1", limit=4, window=WINDOW, now=now) == 7 * 60
    assert throttle.wait_seconds("login", "10.0.0.2", limit=4, window=WINDOW, now=now) is None
    assert throttle.count("login", "10.0.0.1", window=WINDOW, now=now) == 4


def test_a_flood_is_counted_up_to_the_limit_and_refused_attempts_do_not_extend_the_wait():
    now = timezone.now()
    Attempt.objects.bulk_create([Attempt(scope="code", key="13800000000", created_at=now - timedelta(seconds=s))
                                 for s in range(1, 200)])
    assert throttle._counted("code", "13800000000", since=now - WINDOW, limit=5) == 5
    assert throttle.hit("code", "13800000000", limit=5, window=WINDOW, now=now) == 600 - 199
    assert Attempt.objects.filter(scope="code").count() == 199  # the refused attempt was not recorded


def test_a_limit_of_zero_always_refuses_and_a_long_key_is_cut_as_it_is_stored():
    now = timezone.now()
    assert throttle.wait_seconds("login", "x", limit=0, window=WINDOW, now=now) == 600
    long_key = "k" * 200
    assert throttle.hit("login", long_key, limit=1, window=WINDOW, now=now) is None
    assert throttle.hit("login", long_key, limit=1, window=WINDOW, now=now) == 600
