"""The bulk paths' plain SQL (`core.bulk`): rows written from one JSON value (PostgreSQL) or by `executemany`
(SQLite) equal what the ORM would write, and read back by the ORM the same way."""

from datetime import UTC, datetime, timedelta
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


def _row(model, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table} WHERE id = %s", [pk])
        return dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))


def test_insert_one_stores_the_row_save_would_store(world):
    from django.forms.models import model_to_dict

    from anxin.core.bulk import insert_one
    from anxin.workorders.models import WorkOrderEvent

    def order(number):
        return WorkOrder(type="repair", channel="hotline", site=world.site_a, title="厨房漏水", customer=world.customer_a,
                         description="楼下滴水", priority=Priority.HIGH, taken_by=world.agent_a, owner=world.tech_a,
                         status=Status.NEW, number=number, received_at=datetime(2026, 2, 17, 9, 30, 0, 123456,
                                                                                 tzinfo=ZoneInfo("Asia/Shanghai")))

    saved, fast = order("GD1"), order("GD2")
    saved.save(force_insert=True)
    assert insert_one(fast) is fast and fast.pk and not fast._state.adding and fast.created_at is not None
    a, b = _row(WorkOrder, saved.pk), _row(WorkOrder, fast.pk)
    differ = {k for k in a if a[k] != b[k]}
    assert differ == {"id", "public_id", "number", "created_at", "updated_at"}
    assert model_to_dict(WorkOrder.objects.get(pk=fast.pk), exclude=["id"]) | {"number": "GD1"} == \
        model_to_dict(fast, exclude=["id"]) | {"number": "GD1"}
    event = insert_one(WorkOrderEvent(work_order=fast, type=WorkOrderEvent.Type.CREATED, actor=world.agent_a,
                                      data={"渠道": "hotline"}))
    assert WorkOrderEvent.objects.get(pk=event.pk).data == {"渠道": "hotline"}


def test_insert_one_refuses_an_unsaved_related_object_and_honours_save_signals(world):
    import pytest
    from django.db.models.signals import post_save

    from anxin.core.bulk import insert_one
    from anxin.customers.models import Customer

    with pytest.raises(ValueError):
        insert_one(WorkOrder(type="repair", channel="hotline", site=world.site_a, title="x", number="GD3",
                             customer=Customer(name="未保存", site=world.site_a), received_at=datetime.now(UTC)))
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.number, created))

    post_save.connect(receiver, sender=WorkOrder)
    try:
        insert_one(WorkOrder(type="repair", channel="hotline", site=world.site_a, title="x", number="GD4",
                             received_at=datetime.now(UTC)))
    finally:
        post_save.disconnect(receiver, sender=WorkOrder)
    assert seen == [("GD4", True)]  # a model with save signals is saved the ORM's way
