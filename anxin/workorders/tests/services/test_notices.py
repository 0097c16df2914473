from anxin.notifications.models import Notification
from anxin.workorders import services
from anxin.workorders.states import Status
from anxin.workorders.tests.factories import make_order


def test_an_emergency_reaches_on_duty_staff_urgently(world):
    make_order(world, is_emergency=True, title="燃气泄漏")
    rows = Notification.objects.filter(kind="emergency", channel="inapp")
    assert {r.recipient.username for r in rows} == {"dispatcher_a", "manager"} and all(r.is_urgent for r in rows)
    assert not Notification.objects.filter(recipient=world.agent_b).exists()


def test_dispatch_tells_the_technician_and_milestones_tell_the_customer_in_chinese(world):
    order = make_order(world)
    order = services.workorder_transition(order=order, to=Status.ACCEPTED, actor=world.agent_a)
    order = services.workorder_assign(order=order, owner=world.tech_a, actor=world.dispatcher_a)
    order = services.workorder_transition(order=order, to=Status.DISPATCHED, actor=world.dispatcher_a)
    assert Notification.objects.filter(kind="dispatch", recipient=world.tech_a, channel="inapp").count() == 1
    sms = list(Notification.objects.filter(channel="sms", to_address="+8613800138000").order_by("id")
               .values_list("kind", "subject"))
    assert [k for k, _s in sms] == ["milestone_accepted", "milestone_dispatched"]
    assert "已受理" in sms[0][1] and order.number in sms[0][1] and "tech_a" in sms[1][1]


def test_internal_notes_never_reach_the_customer(world):
    order = make_order(world)
    services.workorder_add_note(order=order, actor=world.agent_a, body="客户脾气很差，注意")
    services.workorder_transition(order=order, to=Status.ACCEPTED, actor=world.agent_a)
    assert not any("脾气" in s for s in Notification.objects.filter(channel="sms").values_list("subject", flat=True))
