from datetime import datetime, timedelta

import pytest
import time_machine

from anxin.core.errors import DomainError
from anxin.notifications.models import Notification
from anxin.sla import commitment_services as cs
from anxin.sla.calendar import SHANGHAI
from anxin.sla.models import Commitment
from anxin.workorders.tests.factories import make_order

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def test_a_callback_is_due_in_30_minutes_and_on_the_timeline(world):
    order = make_order(world)
    with time_machine.travel(T0, tick=False):
        c = cs.commitment_make(order=order, actor=world.agent_a, description="30 分钟内回电告知维修时间")
    assert c.due_at == T0 + timedelta(minutes=30) and c.owner == world.agent_a and c.outcome == "open"
    assert order.events.filter(type=404).exists()


def test_close_once_and_kept_late_counts_as_missed(world):
    order = make_order(world)
    with time_machine.travel(T0, tick=False):
        c = cs.commitment_make(order=order, actor=world.agent_a, description="回电")
    with time_machine.travel(T0 + timedelta(minutes=45), tick=False):
        c = cs.commitment_close(commitment=c, actor=world.agent_a, outcome="kept")
    assert c.outcome == "missed" and ("late" in c.outcome_note or "迟" in c.outcome_note)
    with pytest.raises(DomainError) as exc:
        cs.commitment_close(commitment=c, actor=world.agent_a, outcome="cancelled")
    assert exc.value.status == 409


def test_bad_promises_are_refused(world):
    order = make_order(world)
    with time_machine.travel(T0, tick=False):
        for kwargs, field in (({"description": ""}, "description"),
                              ({"description": "x", "due_at": T0 - timedelta(minutes=1)}, "due_at"),
                              ({"description": "x", "owner": world.agent_b}, "owner")):
            with pytest.raises(DomainError) as exc:
                cs.commitment_make(order=order, actor=world.agent_a, **kwargs)
            assert exc.value.extra["field"] == field
    assert not Commitment.objects.exists()


def test_reminder_and_overdue_notices_are_sent_once(world):
    order = make_order(world)
    with time_machine.travel(T0, tick=False):
        cs.commitment_make(order=order, actor=world.agent_a, description="回电")
    assert cs.commitments_sweep(now=T0 + timedelta(minutes=10)) == {"reminded": 0, "overdue": 0}
    assert cs.commitments_sweep(now=T0 + timedelta(minutes=21)) == {"reminded": 1, "overdue": 0}
    assert cs.commitments_sweep(now=T0 + timedelta(minutes=31)) == {"reminded": 0, "overdue": 1}
    assert cs.commitments_sweep(now=T0 + timedelta(minutes=40)) == {"reminded": 0, "overdue": 0}
    kinds = list(Notification.objects.filter(channel="inapp").values_list("kind", flat=True).order_by("id"))
    assert kinds == ["commitment_due_soon", "commitment_overdue"]


def test_my_promises_page_and_denials(world, client_for):
    order = make_order(world)
    with time_machine.travel(T0, tick=False):
        c = cs.commitment_make(order=order, actor=world.agent_a, description="明天上门复查")
    page = client_for(world.agent_a).get("/sla/commitments/").content.decode()
    assert "明天上门复查" in page
    assert "明天上门复查" not in client_for(world.agent_b).get("/sla/commitments/").content.decode()
    assert client_for(world.agent_b).post(f"/sla/commitments/{c.pk}/close/", {"outcome": "kept"}).status_code == 404
    assert client_for(world.agent_b).post(f"/sla/orders/{order.public_id}/commitments/",
                                          {"kind": "callback", "description": "x", "minutes": 30}).status_code == 404
    assert client_for(world.agent_a).get(f"/sla/commitments/{c.pk}/close/").status_code == 405
    c.refresh_from_db()
    assert c.outcome == "open"
    client_for(world.agent_a).post(f"/sla/orders/{order.public_id}/commitments/",
                                   {"kind": "visit", "description": "周三上午上门", "minutes": 60 * 24})
    assert Commitment.objects.filter(description="周三上午上门", kind="visit").exists()
