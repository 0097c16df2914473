"""Issue 14: every sort and common filter of the queue reads an index in its order — no database sorts a whole
site to show 50 rows. The plans are read on the real database of the run: SQLite with the statistics ANALYZE
gathers on a busy desk (`anxin setup` runs it; these are from `anxin bench-scale`, 1 M orders, 90 % in one site),
PostgreSQL with its planner told that sorting and sequential scans are the last resort, since on a test-sized table
both are cheapest."""

import pytest
from django.db import connection, transaction

from anxin.workorders.selectors import QueueFilters, workorder_list_for_queue
from anxin.workorders.tests.factories import make_order

CASES = [
    QueueFilters(),
    QueueFilters(sort="oldest"),
    QueueFilters(sort="priority"),
    QueueFilters(sort="number"),
    QueueFilters(sort="status"),
    QueueFilters(sort="updated"),
    QueueFilters(statuses=["new"]),
    QueueFilters(type="complaint"),
    QueueFilters(type="repair", statuses=["new"]),
    QueueFilters(type="complaint", statuses=["in_progress"]),
    QueueFilters(urged=True),
    QueueFilters(view="mine"),
    QueueFilters(priority=3),
]


# sqlite_stat1 rows: total rows, then rows per distinct value of each leading column prefix
BUSY_DESK = {
    "wo_site_newest": "1000000 500000 1 1", "wo_site_status_newest": "1000000 500000 48000 1 1", "wo_site_type_customer": "1000000 500000 64000 1 1 1",
    "wo_site_priority": "1000000 500000 250000 1 1", "wo_site_updated": "1000000 500000 1 1", "wo_owner_recv": "1000000 85000 1", "wo_owner_status": "1000000 85000 8600",
    "wo_received": "1000000 2", "wo_customer_status": "1000000 21 6",
    "wo_site_type_status": "1000000 500000 64000 8000 1 1", "wo_site_chased": "20000 10000 1 1",
    "wo_site_dispatchable": "50000 25000 12000 4000 1",
}


def _plan(qs) -> str:
    with transaction.atomic():
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
                # every other index of the table (unique numbers, foreign keys) as a million rows too
                cursor.execute("UPDATE sqlite_stat1 SET stat = '1000000 10' WHERE tbl = 'workorders_workorder'")
                for index, stat in BUSY_DESK.items():
                    cursor.execute("UPDATE sqlite_stat1 SET stat = %s WHERE idx = %s", [stat, index])
                cursor.execute("ANALYZE sqlite_schema")  # reloads the statistics
        else:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("SET LOCAL enable_sort = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
        return qs.explain()


@pytest.mark.parametrize("filters", CASES,
                         ids=lambda f: f"{f.sort}-{f.view}-{f.type}-{f.statuses}-{f.priority}-{f.urged}")
def test_the_queue_reads_an_index_in_its_order(world, filters):
    for _ in range(3):
        make_order(world)
    plan = _plan(workorder_list_for_queue(user=world.agent_a, filters=filters)[:50])
    if connection.vendor == "sqlite":
        assert "TEMP B-TREE" not in plan, plan
        assert "SCAN workorders_workorder\n" not in plan + "\n", plan
    else:
        assert not any(line.strip().startswith(("Sort", "->  Sort")) for line in plan.splitlines()), plan
        assert "Seq Scan on workorders_workorder" not in plan, plan


@pytest.mark.parametrize(("filters", "index"), [
    (QueueFilters(type="complaint", statuses=["in_progress"]), "wo_site_type_status"),
    (QueueFilters(urged=True), "wo_site_chased")])
def test_the_filters_rare_rows_are_found_and_counted_from_their_own_index(world, filters, index):
    """A rare pair of filters (complaints in progress) or the few chased orders: the page and its count (to the
    cap) read an index that holds just them, instead of filtering the site's rows one by one."""
    make_order(world)
    qs = workorder_list_for_queue(user=world.agent_a, filters=filters)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # a test-sized table gives PostgreSQL no reason to prefer one index over another (the full suite's
            # leftover statistics tipped it to two different ones), so here it is asked only whether this index
            # serves the page and its count without a sort: the table's other non-unique indexes are dropped for
            # the check — rolled back below. The planner's own choice at 1 M orders is in docs/decisions.md
            # (`anxin bench-scale --again`); SQLite's is checked with a busy desk's statistics.
            with connection.cursor() as cursor:
                cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'workorders_workorder' AND "
                               "indexname <> %s AND indexdef NOT LIKE 'CREATE UNIQUE%%'", [index])
                for (name,) in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{name}"')
        plans = (_plan(qs[:50]), _plan(qs.order_by()[:1001].values("id")))
        transaction.set_rollback(True)
    for plan in plans:
        assert index in plan, plan
        assert not any(line.strip().startswith(("Sort", "->  Sort")) for line in plan.splitlines()), plan
