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


def _statements_of(client, path: str) -> list[str]:
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(" ".join(sql.split()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert client.get(path).status_code == 200
    return seen


def _inside_custom_plans(statements: list[str], needle: str) -> bool:
    """`needle`'s statement ran after a report or search switched to custom plans and before it switched back."""
    started = [i for i, s in enumerate(statements) if s.startswith("SET LOCAL plan_cache_mode = force_custom_plan")]
    ended = [i for i, s in enumerate(statements) if s.startswith("SELECT set_config('plan_cache_mode'")]
    hits = [i for i, s in enumerate(statements) if needle in s]
    return bool(hits) and all(any(a < i < b for a, b in zip(started, ended, strict=True)) for i in hits)


@pytest.mark.parametrize(("who", "path", "needle"), [
    ("agent_a", "/search/?q=%E6%BC%8F%E6%B0%B4", "search_searchentry WHERE vector @@"),  # the full-text match
    ("agent_a", "/orders/?q=%E6%BC%8F%E6%B0%B4", "search_searchentry WHERE vector @@"),  # the queue's text filter
    ("manager", "/reports/", "FROM reports_orderrollup WHERE"),  # the dashboard's per-day sums
    ("manager", "/reports/types/", "reports_orderrollup"),
    ("manager", "/sla/report/", "FROM \"sla_clock\""),  # the promise attainment report's clocks of the period
    ("agent_a", "/reports/register/", "FROM \"intake_contactlog\""),  # the daily register's contacts
])
def test_searches_and_reports_plan_their_reads_for_their_own_values(world, client_for, who, path, needle):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: SQLite plans every statement anew")
    statements = _statements_of(client_for(getattr(world, who)), path)
    assert _inside_custom_plans(statements, needle), statements


def _database_options(**env) -> str:
    import os
    import subprocess
    import sys

    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "anxin.settings", **env,
                   "DATABASE_URL": "postgres://anxin@127.0.0.1:5432/anxin"}  # read, never connected to
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                           "print(settings.DATABASES['default']['OPTIONS'])"],
                          env=environment, capture_output=True, text=True, timeout=60, check=True).stdout


def test_prepared_statements_are_on_by_default_and_can_be_switched_off_for_a_pooler(tmp_path):
    on = _database_options(ANXIN_VAR_DIR=str(tmp_path))
    assert "'server_side_binding': True" in on and "'prepare_threshold': 5" in on
    off = _database_options(ANXIN_VAR_DIR=str(tmp_path), ANXIN_PG_PREPARED_STATEMENTS="0")
    assert "server_side_binding" not in off and "prepare_threshold" not in off


@pytest.mark.django_db
def test_among_ids_filters_by_a_list_of_ids_on_either_database():
    from django.test.utils import CaptureQueriesContext

    from anxin.accounts.models import OrgUnit
    from anxin.core.sqlplans import AmongIds

    units = [OrgUnit.objects.create(name=f"站点{i}", code=f"AM{i}", kind="site") for i in range(3)]
    wanted = [units[0].id, units[2].id]
    with CaptureQueriesContext(connection) as queries:
        found = sorted(OrgUnit.objects.filter(AmongIds("id", wanted)).values_list("id", flat=True))
    assert found == sorted(wanted)
    if connection.vendor == "postgresql":
        assert "= ANY(" in queries[0]["sql"]  # one array parameter, not a placeholder per id
    assert not OrgUnit.objects.filter(AmongIds("id", [])).exists()
    with pytest.raises(ValueError):
        AmongIds("id", ["1; DROP TABLE x"])  # integers only


@pytest.mark.django_db
def test_among_text_matches_whole_strings_only():
    from anxin.accounts.models import OrgUnit
    from anxin.core.sqlplans import AmongText

    for code in ("T1", "T2", "T3"):
        OrgUnit.objects.create(name=f"站点{code}", code=code, kind="site")
    found = OrgUnit.objects.filter(AmongText("code", ["T1", "T3", "T%", "'); DROP TABLE x; --"]))
    assert sorted(found.values_list("code", flat=True)) == ["T1", "T3"]  # no pattern, no injection
    assert not OrgUnit.objects.filter(AmongText("code", [])).exists()
