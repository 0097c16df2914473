"""Database upkeep (run by `anxin setup` and, hourly, by the worker through core/tasks.py)."""

from django.db import connection


def planner_statistics_refresh() -> bool:
    """SQLite plans from statistics that ANALYZE gathers: without them a new index is guessed at and the queue may
    sort a whole site (issue 14). The limit samples each index, so this takes well under a second at 1 M orders.
    PostgreSQL's autovacuum keeps its own statistics. Returns whether it ran."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")
    return True

