from datetime import date, datetime

import time_machine

from anxin.customers import services as customer_services
from anxin.notifications.models import Notification
from anxin.sla.calendar import SHANGHAI
from anxin.sla.maintenance_services import maintenance_reminders_sweep
from anxin.workorders import services as wo_services
from anxin.workorders.states import Status
from anxin.workorders.tests.factories import make_order


def test_reminder_once_per_due_date_to_desk_and_customer(world):
    asset = customer_services.asset_create(customer=world.customer_a, actor=None, name="空调", brand="格力",
                                           purchased_on=date(2025, 9, 1), service_interval_days=180)
    # due 2026-02-28: nothing on 2026-02-10, a reminder from 2026-02-21, once
    assert maintenance_reminders_sweep(today=date(2026, 2, 10)) == 0
    assert maintenance_reminders_sweep(today=date(2026, 2, 22)) == 1
    assert maintenance_reminders_sweep(today=date(2026, 2, 23)) == 0
    desk = Notification.objects.filter(kind="maintenance_due", channel="inapp")
    assert [n.recipient.username for n in desk] == ["dispatcher_a"] and "2026-02-28" in desk[0].subject
    assert Notification.objects.filter(kind="maintenance_due", channel="sms", to_address="+8613800138000").count() == 1
    # a finished maintenance visit moves the next date on by the interval
    with time_machine.travel(datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        order = make_order(world, type="maintenance", asset=asset)
        for to in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED):
            order = wo_services.workorder_transition(order=order, to=to, actor=world.manager)
    # next due 2026-03-01 + 180 days = 2026-08-28
    assert maintenance_reminders_sweep(today=date(2026, 8, 20)) == 0
    assert maintenance_reminders_sweep(today=date(2026, 8, 25)) == 1
    assert "2026-08-28" in Notification.objects.filter(kind="maintenance_due", channel="inapp").first().subject
