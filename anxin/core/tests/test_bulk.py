"""The bulk paths' plain SQL (`core.bulk`): rows written from one JSON value equal what the ORM would write."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from anxin.core.bulk import among, insert_rows
from anxin.workorders.models import Priority, WorkOrder
from anxin.workorders.states import Status

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the JSON insert is PostgreSQL's bulk path")


@pg_only
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


@pg_only
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
