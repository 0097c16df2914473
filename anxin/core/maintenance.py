"""Database upkeep (run by `anxin setup` and, hourly, by the worker through core/tasks.py)."""

from django.db import connection


def planner_statistics_refresh() -> bool:
    """SQLite plans from statistics that ANALYZE gathers: without them a new index is guessed at and the queue may
    sort a whole site (issue 14). Every row is read (3.5 s at 1 M orders): a sampled ANALYZE (`analysis_limit`) on a
    busy desk counted 519 orders per site instead of 500,000 and four times the field jobs there are, and staff
    performance then joined the site's million orders instead of the month's jobs (2 s against 54 ms).
    PostgreSQL's autovacuum keeps its own statistics. Returns whether it ran."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=0")
        cursor.execute("ANALYZE")
    return True

