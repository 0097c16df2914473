"""The worker refreshes SQLite's planner statistics, so the queue keeps using its indexes as the desk grows."""

import pytest
from django.db import connection

from anxin.core.tasks import planner_statistics_task
from anxin.workorders.tests.factories import make_order


@pytest.mark.django_db
def test_the_hourly_task_gathers_statistics_for_the_queue_indexes_on_sqlite(world):
    make_order(world)
    result = planner_statistics_task.call()
    if connection.vendor != "sqlite":
        assert result == {"analyzed": False}  # PostgreSQL's autovacuum analyses on its own
        return
    assert result == {"analyzed": True}
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'workorders_workorder'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"wo_site_newest", "wo_site_status_newest"} <= indexes


@pytest.mark.django_db
def test_postgresql_plans_without_parallel_workers_unless_allowed():
    """A desk's queries are short: two parallel workers started for a 3 ms statement cost ~13 ms on 2 cores."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == "0"
