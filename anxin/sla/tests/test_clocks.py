"""Clocks on orders and the sweep, end to end (issue 4), on SQLite and PostgreSQL."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from anxin.accounts import services as account_services
from anxin.accounts.roles import Role
from anxin.notifications.models import Notification
from anxin.sla import services
from anxin.sla.calendar import SHANGHAI
from anxin.sla.models import Clock, Metric, PublishedYear, SlaPolicy
from anxin.workorders import services as wo_services
from anxin.workorders.models import WorkOrderEvent
from anxin.workorders.states import Status
from anxin.workorders.tests.factories import make_order

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)  # a Monday


@pytest.fixture
def policies(world):
    SlaPolicy.objects.create(name="通用解决 3 个工作日", metric=Metric.RESOLUTION, target_minutes=3 * 450)
    SlaPolicy.objects.create(name="报修 30 分钟响应", metric=Metric.FIRST_RESPONSE, type="repair", target_minutes=30,
                             escalate_every_minutes=60)
    SlaPolicy.objects.create(name="金牌客户 15 分钟响应", metric=Metric.FIRST_RESPONSE, tier="gold", type="repair",
                             target_minutes=15)
    head = account_services.user_create(username="head_a", password="x" * 12, role=Role.DEPT_HEAD,
                                        org_unit=world.site_a)
    return head


def _sweep(now):
    with time_machine.travel(now, tick=False):
        return services.sweep(now=now, lag=timedelta(0))


def test_the_most_specific_policy_wins_and_due_follows_the_calendar(world, policies):
    with time_machine.travel(NOW, tick=False):
        order = make_order(world)
    _sweep(NOW)
    clock = Clock.objects.get(work_order=order, metric=Metric.FIRST_RESPONSE)
    assert clock.target_minutes == 30 and clock.due_at == NOW + timedelta(minutes=30)
    assert clock.warn_at == NOW + timedelta(minutes=24)
    # a gold customer's repair gets the stricter policy
    world.customer_a.tier = "gold"
    world.customer_a.save()
    with time_machine.travel(NOW, tick=False):
        gold = make_order(world)
    _sweep(NOW)
    assert Clock.objects.get(work_order=gold, metric=Metric.FIRST_RESPONSE).target_minutes == 15


def test_friday_evening_order_is_due_on_the_next_working_day(world, policies):
    friday = datetime(2026, 2, 13, 17, 20, tzinfo=SHANGHAI)  # before the Spring Festival; Sat 14 Feb is a workday
    with time_machine.travel(friday, tick=False):
        order = make_order(world)
    _sweep(friday)
    clock = Clock.objects.get(work_order=order, metric=Metric.FIRST_RESPONSE)
    assert clock.due_at == datetime(2026, 2, 14, 8, 50, tzinfo=SHANGHAI)


def test_pause_and_resume_and_a_pause_ended_by_resolved(world, policies):
    with time_machine.travel(NOW, tick=False):
        order = make_order(world)
        for to in (Status.ACCEPTED, Status.DISPATCHED):
            order = wo_services.workorder_transition(order=order, to=to, actor=world.manager)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        order = wo_services.workorder_transition(order=order, to=Status.IN_PROGRESS, actor=world.manager)
        order = wo_services.workorder_transition(order=order, to=Status.WAITING_PARTS, actor=world.manager)
    _sweep(NOW + timedelta(hours=2))
    clock = Clock.objects.get(work_order=order, metric=Metric.RESOLUTION)
    assert clock.state == Clock.State.PAUSED and clock.due_at is None
    assert clock.remaining_minutes == 3 * 450 - 60
    # two business hours later the parts arrive: due moves by exactly the paused business time
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        order = wo_services.workorder_transition(order=order, to=Status.IN_PROGRESS, actor=world.manager)
    _sweep(NOW + timedelta(hours=3))
    clock.refresh_from_db()
    unpaused_due = services.due_with_pauses(services.selectors.calendar_for(order.site_id), NOW, 3 * 450, [])[0]
    assert clock.state == Clock.State.RUNNING
    assert clock.due_at == services.selectors.calendar_for(order.site_id).add(unpaused_due, 120)
    # a second pause ended directly by "resolved" in one step: hold time deducted, clock met
    with time_machine.travel(NOW + timedelta(hours=4), tick=False):
        order = wo_services.workorder_transition(order=order, to=Status.WAITING_PARTS, actor=world.manager)
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        wo_services.workorder_transition(order=order, to=Status.RESOLVED, actor=world.manager)
    _sweep(NOW + timedelta(hours=5))
    clock.refresh_from_db()
    assert clock.state == Clock.State.MET and clock.met_at == NOW + timedelta(hours=5)


def test_warning_breach_and_ladder_notify_each_step_once(world, policies):
    head = policies
    with time_machine.travel(NOW, tick=False):
        order = make_order(world)
    _sweep(NOW)
    # 80 % of 30 min: a warning to the owner (the agent who took it)
    assert _sweep(NOW + timedelta(minutes=25))["warned"] == 1
    assert _sweep(NOW + timedelta(minutes=26))["warned"] == 0
    # breach: the first ladder step again (owner), then the department head an hour later
    assert _sweep(NOW + timedelta(minutes=31))["breached"] == 1
    assert _sweep(NOW + timedelta(minutes=95))["escalated"] == 1
    assert _sweep(NOW + timedelta(minutes=96))["escalated"] == 0
    kinds = list(Notification.objects.filter(channel="inapp").order_by("id").values_list("kind", "recipient__username"))
    assert kinds == [("sla_warning", "agent_a"), ("sla_breach", "agent_a"), ("sla_escalation", head.username)]
    types = list(order.events.filter(type__gte=500).values_list("type", flat=True))
    assert types == [WorkOrderEvent.Type.SLA_WARNED, WorkOrderEvent.Type.SLA_BREACHED, WorkOrderEvent.Type.ESCALATED]
    # the timeline names the step in the user's words, not the policy's code
    assert order.events.get(type=WorkOrderEvent.Type.ESCALATED).reason == "已升级至 部门负责人"


def test_a_sweep_killed_midway_then_rerun_notifies_exactly_once(world, policies, monkeypatch):
    with time_machine.travel(NOW, tick=False):
        orders = [make_order(world) for _ in range(3)]
    _sweep(NOW)
    real = services.notifications.notify_many
    calls = {"n": 0}

    def crash_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real(**kwargs)

    # one clock per batch: the first batch commits, the worker dies in the second
    monkeypatch.setattr(services, "BATCH", 1)
    monkeypatch.setattr(services.notifications, "notify_many", crash_on_second)
    with pytest.raises(SystemExit):
        _sweep(NOW + timedelta(minutes=31))
    assert Notification.objects.filter(kind="sla_breach", channel="inapp").count() == 1
    monkeypatch.setattr(services.notifications, "notify_many", real)
    _sweep(NOW + timedelta(minutes=32))
    breaches = Notification.objects.filter(kind="sla_breach", channel="inapp")
    assert breaches.count() == 3  # one per order: none lost, none twice
    assert all(o.events.filter(type=WorkOrderEvent.Type.SLA_BREACHED).count() == 1 for o in orders)


def test_a_year_the_calendar_does_not_know_is_shown_not_guessed(world, policies):
    late = datetime(2026, 12, 31, 16, 0, tzinfo=SHANGHAI)
    with time_machine.travel(late, tick=False):
        order = make_order(world)
    _sweep(late)
    clock = Clock.objects.get(work_order=order, metric=Metric.RESOLUTION)
    assert clock.due_at is None and "2027" in clock.error
    PublishedYear.objects.create(year=2027)
    services.clocks_sync(order=order)
    clock.refresh_from_db()
    assert clock.due_at is not None and clock.error == ""


def test_policy_change_applies_to_new_orders_only(world, policies):
    with time_machine.travel(NOW, tick=False):
        first = make_order(world)
    _sweep(NOW)
    SlaPolicy.objects.filter(metric=Metric.FIRST_RESPONSE, type="repair", tier="").update(target_minutes=60)
    with time_machine.travel(NOW, tick=False):
        second = make_order(world)
        wo_services.workorder_add_note(order=first, actor=world.agent_a, body="x", is_public=False)
    _sweep(NOW)
    assert Clock.objects.get(work_order=first, metric=Metric.FIRST_RESPONSE).target_minutes == 30
    assert Clock.objects.get(work_order=second, metric=Metric.FIRST_RESPONSE).target_minutes == 60
    assert timezone.now()


def test_a_priority_change_moves_the_order_to_the_matching_policy(world, policies):
    SlaPolicy.objects.create(name="紧急解决 4 小时", metric=Metric.RESOLUTION, priority=4, target_minutes=240)
    with time_machine.travel(NOW, tick=False):
        order = make_order(world)
    _sweep(NOW)
    assert Clock.objects.get(work_order=order, metric=Metric.RESOLUTION).target_minutes == 3 * 450
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        wo_services.workorder_update(order=order, actor=world.agent_a, data={"priority": 4})
    _sweep(NOW + timedelta(minutes=5))
    clock = Clock.objects.get(work_order=order, metric=Metric.RESOLUTION)
    # 240 business minutes from 09:00: 180 until lunch, 60 after 13:30
    assert clock.target_minutes == 240 and clock.due_at == datetime(2026, 3, 2, 14, 30, tzinfo=SHANGHAI)


def test_the_report_counts_breaches_per_site_within_scope(world, policies, client_for):
    with time_machine.travel(NOW, tick=False):
        make_order(world)
        make_order(world, actor=world.agent_b, customer=world.customer_b)
    _sweep(NOW)
    _sweep(NOW + timedelta(minutes=31))
    url = "/sla/report/?since=2026-03-01&until=2026-03-31"
    manager = client_for(world.manager).get(url).content.decode()
    assert "A站" in manager and "B站" in manager
    rows = {r["site"]: r for r in services.selectors.attainment_report(
        user=world.manager, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1)) if r["metric"] == "首次响应"}
    assert rows["A站"]["breached"] == 1 and rows["A站"]["attainment"] == 0.0
    dispatcher = client_for(world.dispatcher_a).get(url).content.decode()
    assert "A站" in dispatcher and "B站" not in dispatcher
    assert client_for(world.tech_a).get(url).status_code == 403


def test_the_urge_screen_uses_the_clocks(world, policies, client_for):
    with time_machine.travel(NOW, tick=False):
        make_order(world, category=world.category)
    _sweep(NOW)
    _sweep(NOW + timedelta(minutes=31))
    with time_machine.travel(NOW + timedelta(minutes=32), tick=False):
        html = client_for(world.agent_a).get("/intake/call/?phone=13800138000").content.decode()
    assert "已超时" in html


def test_every_promise_is_in_exactly_one_column_of_the_report(world, policies, client_for):
    """A fixed set worked out by hand: 7 first-response promises at site A, one of each kind, plus one stopped."""
    policy = SlaPolicy.objects.get(metric=Metric.FIRST_RESPONSE, tier="")
    due = NOW + timedelta(minutes=30)
    kinds = [  # state, met_at, breached_at
        ("met", NOW + timedelta(minutes=10), None),           # met on time
        ("met", NOW + timedelta(minutes=20), None),           # met on time
        ("met", NOW + timedelta(minutes=45), None),           # met late (the sweep had not breached it yet)
        ("met", NOW + timedelta(minutes=50), due),            # met late after it was broken
        ("breached", None, due),                              # broken, still not met
        ("running", None, due),                               # past due and still running: broken
        ("running", None, None),                              # still open
        ("paused", None, None),                               # still open
        ("stopped", None, None),                              # order cancelled: not counted at all
    ]
    with time_machine.travel(NOW, tick=False):
        orders = [make_order(world) for _kind in kinds]
    Clock.objects.filter(work_order__in=orders).delete()
    for order, (state, met_at, breached_at) in zip(orders, kinds, strict=True):
        Clock.objects.create(work_order=order, policy=policy, metric=Metric.FIRST_RESPONSE, target_minutes=30,
                             started_at=NOW, due_at=due, state=state, met_at=met_at, breached_at=breached_at)
    [row] = [r for r in services.selectors.attainment_report(
        user=world.manager, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1))
        if r["metric"] == "首次响应" and r["site"] == "A站"]
    assert (row["total"], row["met_on_time"], row["met_late"], row["breached"], row["open"]) == (8, 2, 2, 2, 2)
    assert row["met_on_time"] + row["met_late"] + row["breached"] + row["open"] == row["total"]
    assert row["attainment"] == round(100 * 2 / 6, 1)  # met on time ÷ (total − still open) = 2 ÷ 6
    page = client_for(world.manager).get("/sla/report/?since=2026-03-01&until=2026-03-31").content.decode()
    assert "达成率 = 按时达成 ÷ (总数 − 进行中)" in page and "逾期达成" in page


def test_a_new_order_shows_its_clocks_at_once_or_says_none_applies(world, policies, client_for):
    order = make_order(world)
    assert not Clock.objects.filter(work_order=order).exists()  # the worker has not swept yet
    client = client_for(world.agent_a)
    page = client.get(f"/sla/orders/{order.public_id}/clocks/").content.decode()
    assert "首次响应" in page and 'id="no-clocks"' not in page
    assert Clock.objects.filter(work_order=order).exists()
    SlaPolicy.objects.update(is_active=False)
    other = make_order(world)
    page = client.get(f"/sla/orders/{other.public_id}/clocks/").content.decode()
    assert "不适用服务承诺：没有与该工单的类型、优先级和客户等级匹配的有效 SLA 策略。" in page


def _orders_with_history(world, n):
    orders = []
    with time_machine.travel(NOW, tick=False):
        for i in range(n):
            order = make_order(world)
            if i % 3 == 1:  # answered: first response met
                order = wo_services.workorder_transition(order=order, to=Status.ACCEPTED, actor=world.manager)
            if i % 3 == 2:  # waiting for parts: the resolution clock paused
                for to in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.WAITING_PARTS):
                    order = wo_services.workorder_transition(order=order, to=to, actor=world.manager)
            orders.append(order)
    return orders


def test_the_sweep_syncs_a_batch_in_a_constant_number_of_statements_and_as_one_by_one_would(world, policies):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def snapshot(orders):
        return sorted(Clock.objects.filter(work_order__in=orders).values_list(
            "work_order_id", "metric", "policy_id", "target_minutes", "started_at", "due_at", "warn_at",
            "remaining_minutes", "met_at", "state"))

    _sweep(NOW)  # the sweep's cursor row exists from here on
    counts = []
    for n in (3, 9):
        orders = _orders_with_history(world, n)
        with CaptureQueriesContext(connection) as queries:
            _sweep(NOW + timedelta(minutes=10))
        counts.append(len(queries))
        assert {c.state for c in Clock.objects.filter(work_order__in=orders)} == {
            Clock.State.RUNNING, Clock.State.MET, Clock.State.PAUSED}
        # a later event updates the clocks the batch wrote (the update path, not only inserts)
        with time_machine.travel(NOW + timedelta(minutes=20), tick=False):
            wo_services.workorder_transition(order=orders[0], to=Status.ACCEPTED, actor=world.manager)
        _sweep(NOW + timedelta(minutes=21))
        batch = snapshot(orders)
        for order in orders:
            services.clocks_sync(order=order)  # one order at a time, each clock saved
        assert snapshot(orders) == batch
    assert counts[0] == counts[1]


def test_warning_breach_and_escalation_acts_take_a_constant_number_of_statements(world, policies):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from anxin.workorders.models import WorkOrder

    SlaPolicy.objects.filter(metric=Metric.RESOLUTION).delete()  # one clock an order: the first response's
    owners = [world.agent_a, world.dispatcher_a, world.tech_a, world.tech_a2, world.manager, policies]
    counts = []
    for n, start in ((2, NOW), (6, NOW + timedelta(days=7))):
        with time_machine.travel(start, tick=False):
            orders = [make_order(world) for _ in range(n)]
        for order, owner in zip(orders, owners, strict=False):  # each order its own owner: each one is told
            WorkOrder.objects.filter(pk=order.pk).update(owner=owner)  # lint: allow-write (fixture)
        _sweep(start)
        for minutes, act in ((25, "warned"), (31, "breached"), (95, "escalated")):
            with CaptureQueriesContext(connection) as queries:
                assert _sweep(start + timedelta(minutes=minutes))[act] == n
            counts.append((act, len(queries)))
        # each act told the right people once, with what the page and the timeline show
        assert Notification.objects.filter(channel="inapp", kind="sla_escalation",
                                           subject__startswith=orders[0].number).count() == 1
        assert WorkOrderEvent.objects.filter(work_order__in=orders, type=WorkOrderEvent.Type.ESCALATED).count() == n
        with time_machine.travel(start + timedelta(minutes=100), tick=False):
            for order in orders:  # answered at last: these clocks are met and stop escalating
                wo_services.workorder_transition(order=order, to=Status.ACCEPTED, actor=world.manager)
        _sweep(start + timedelta(minutes=100))
    assert counts[:3] == counts[3:], counts
