"""The bulk paths' plain SQL (`core.bulk`): rows written from one JSON value (PostgreSQL) or by `executemany`
(SQLite) equal what the ORM would write, and read back by the ORM the same way."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection

from anxin.core.bulk import among, insert_rows, update_rows
from anxin.workorders.models import Priority, WorkOrder
from anxin.workorders.states import Status


def test_insert_rows_gives_the_model_defaults(world):
    received = datetime(2025, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    got = dict(insert_rows(WorkOrder, [
        {"number": "B-1", "type": "repair", "channel": "hotline", "site_id": world.site_a.pk, "title": "厨房水管漏水",
         "received_at": received, "customer_id": world.customer_a.pk},
        {"number": "B-2", "type": "consultation", "channel": "web", "site_id": world.site_a.pk, "title": "咨询 '引号' \\",
         "received_at": received + timedelta(hours=1), "customer_id": None},
    ], returning="number, id"))
    first, second = WorkOrder.objects.get(pk=got["B-1"]), WorkOrder.objects.get(pk=got["B-2"])
    assert first.received_at == received and first.customer_id == world.customer_a.pk
    assert second.title == "咨询 '引号' \\" and second.customer_id is None
    # defaults as the model has them: constants, a callable per row, the timestamps now
    assert first.status == Status.NEW and first.priority == Priority.NORMAL and first.version == 1
    assert first.public_id != second.public_id
    assert first.created_at == first.updated_at and first.created_at > received
    # stored as the ORM stores them: found by equality and by range on the time, by the UUID
    assert WorkOrder.objects.get(received_at=received, number="B-1") == first
    assert list(WorkOrder.objects.filter(received_at__gt=received, received_at__lt=received + timedelta(hours=2))
                .values_list("number", flat=True)) == ["B-2"]
    assert WorkOrder.objects.get(public_id=second.public_id) == second


def test_insert_rows_returns_only_its_own_rows_with_microseconds_kept(world):
    from anxin.workorders.services import workorder_create

    workorder_create(actor=world.agent_a, type="consultation", channel="hotline", site=world.site_a, title="之前")
    received = datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    rows = [{"number": f"C-{i}", "type": "repair", "channel": "hotline", "site_id": world.site_a.pk,
             "title": f"单{i}", "received_at": received + timedelta(seconds=i)} for i in range(5)]
    got = dict(insert_rows(WorkOrder, rows, returning="number, id"))
    assert sorted(got) == [f"C-{i}" for i in range(5)]
    assert {o.number: o.pk for o in WorkOrder.objects.filter(number__startswith="C-")} == got
    assert WorkOrder.objects.get(number="C-0").received_at == received
    assert WorkOrder.objects.filter(number__startswith="C-", received_at__gte=received + timedelta(seconds=4)).get().number == "C-4"


def test_insert_rows_of_nothing_writes_nothing(db):
    assert insert_rows(WorkOrder, []) == []


def test_among_finds_exactly_the_values(world):
    from anxin.workorders.services import workorder_create

    orders = [workorder_create(actor=world.agent_a, type="consultation", channel="hotline", site=world.site_a,
                               title=f"单{i}") for i in range(3)]
    ids = [o.pk for o in orders[:2]]
    where, params = among("id", ids)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {WorkOrder._meta.db_table} WHERE {where}", params)
        assert sorted(r[0] for r in cursor.fetchall()) == sorted(ids)
        where, params = among("number", [orders[2].number, "不存在'\"", "x"], text=True)
        cursor.execute(f"SELECT id FROM {WorkOrder._meta.db_table} WHERE {where}", params)
        assert [r[0] for r in cursor.fetchall()] == [orders[2].pk]


def test_update_rows_sets_only_the_named_fields_of_the_named_rows(world):
    from anxin.workorders.services import workorder_create

    orders = [workorder_create(actor=world.agent_a, type="consultation", channel="hotline", site=world.site_a,
                               title=f"单{i}") for i in range(3)]
    when = datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=ZoneInfo("Asia/Shanghai"))
    update_rows(WorkOrder, [{"id": orders[0].pk, "title": "改过", "resolved_at": when, "owner_id": world.agent_a.pk},
                            {"id": orders[1].pk, "title": "也改过", "resolved_at": None, "owner_id": None}],
                ["title", "resolved_at", "owner_id"])
    got = {o.pk: o for o in WorkOrder.objects.filter(pk__in=[o.pk for o in orders])}
    assert (got[orders[0].pk].title, got[orders[0].pk].resolved_at, got[orders[0].pk].owner_id) == (
        "改过", when, world.agent_a.pk)
    assert (got[orders[1].pk].title, got[orders[1].pk].resolved_at, got[orders[1].pk].owner_id) == ("也改过", None, None)
    assert got[orders[2].pk].title == "单2"  # not named: untouched
    assert got[orders[0].pk].number == orders[0].number  # fields not named keep their values
    update_rows(WorkOrder, [], ["title"])  # nothing to do
