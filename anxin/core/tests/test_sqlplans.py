"""Prepared statements on PostgreSQL (settings): point reads reuse a plan; report reads plan for their own period,
and that setting ends with the block instead of riding on the kept connection into the next request."""

import pytest
from django.db import connection

from anxin.core.sqlplans import custom_plans


def _plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_statements_are_prepared_on_their_fifth_run():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: SQLite has no server to prepare on")
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT COUNT(*) FROM workorders_workorder WHERE site_id = %s", [1])
        cursor.execute("SELECT COUNT(*) FROM pg_prepared_statements "
                       "WHERE statement LIKE 'SELECT COUNT(*) FROM workorders_workorder WHERE site_id = $1'")
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_report_reads_plan_for_their_own_values_and_the_setting_ends_with_them():
    if connection.vendor != "postgresql":
        with custom_plans():  # nothing to set: the block still runs
            assert connection.vendor == "sqlite"
        return
    assert _plan_cache_mode() == "auto"
    with custom_plans():
        assert _plan_cache_mode() == "force_custom_plan"
    assert _plan_cache_mode() == "auto"
    with pytest.raises(ZeroDivisionError), custom_plans():
        1 / 0  # noqa: B018 — a report that fails half-way
    assert _plan_cache_mode() == "auto"


@pytest.mark.django_db(transaction=True)
def test_a_page_outside_any_transaction_leaves_its_connection_as_it_found_it():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with custom_plans():
        assert _plan_cache_mode() == "force_custom_plan"
    assert not connection.in_atomic_block and _plan_cache_mode() == "auto"
