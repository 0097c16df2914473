from datetime import timedelta

import pytest
from django.utils import timezone

from anxin.complaints import services
from anxin.complaints.models import Complaint
from anxin.core.errors import DomainError
from anxin.notifications.models import Notification
from anxin.workorders.models import Priority
from anxin.workorders.tests.factories import make_order


def details(**extra):
    return {"what_happened": "维修师傅没有按约定时间上门", "customer_wants": "道歉并尽快上门", "category": "timeliness",
            **extra}


def test_group_and_media_complaints_are_severe_and_urgent(world):
    order = make_order(world, type="complaint")
    complaint = services.complaint_register(order=order, actor=world.agent_a,
                                            data=details(media_threat=True, severity="normal"))
    order.refresh_from_db()
    assert complaint.severity == "severe" and order.priority == Priority.URGENT


def test_only_complaint_orders_and_valid_categories(world):
    with pytest.raises(DomainError):
        services.complaint_register(order=make_order(world), actor=world.agent_a, data=details())
    with pytest.raises(DomainError) as exc:
        services.complaint_register(order=make_order(world, type="complaint"), actor=world.agent_a,
                                    data=details(category="weather"))
    assert exc.value.extra["field"] == "category"
    with pytest.raises(DomainError):
        services.complaint_register(order=make_order(world, type="complaint"), actor=world.agent_a,
                                    data=details(status="closed"))


def test_routing_tells_the_customer_the_date_as_a_recorded_reply(world):
    order = make_order(world, type="complaint")
    complaint = services.complaint_register(order=order, actor=world.manager, data=details())
    expected = timezone.localdate() + timedelta(days=2)
    services.complaint_route(complaint=complaint, actor=world.manager, owner=world.dispatcher_a,
                             expected_resolution_on=expected)
    order.refresh_from_db()
    assert order.owner == world.dispatcher_a
    reply = order.events.filter(is_public=True).last()
    assert str(expected) in reply.body
    with pytest.raises(DomainError):
        services.complaint_route(complaint=complaint, actor=world.manager, owner=world.dispatcher_a,
                                 expected_resolution_on=timezone.localdate() - timedelta(days=1))


def test_similar_complaints_raise_one_batch_warning(world, settings):
    settings.COMPLAINT_BATCH_COUNT = 3
    for _ in range(4):
        services.complaint_register(order=make_order(world, type="complaint"), actor=world.agent_a, data=details())
    warnings = Notification.objects.filter(kind="complaint_batch", channel="inapp")
    assert [n.recipient.username for n in warnings] == ["manager"]
    assert "3" in warnings[0].subject


def test_complaint_page_flow_and_denials(world, client_for):
    order = make_order(world, type="complaint")
    client = client_for(world.agent_a)
    url = f"/complaints/{order.public_id}/"
    assert client.post(url + "steps/details/", {**details(is_group="on", severity="normal")}).status_code == 302
    assert Complaint.objects.get().severity == "severe"
    route = {"owner": "agent_a",
             "expected_resolution_on": str(timezone.localdate() + timedelta(days=1))}
    refused = client.post(url + "steps/route/", route)  # an agent may record a complaint but not route it
    assert refused.status_code == 200 and "没有执行此操作的权限" in refused.content.decode()
    assert client_for(world.manager).post(url + "steps/route/", route).status_code == 302
    order.refresh_from_db()
    assert order.owner == world.agent_a
    assert client_for(world.agent_b).get(url).status_code == 404
    assert client_for(world.warehouse_a).get(url).status_code == 403
    assert "complaint-link" in client.get(f"/orders/{order.public_id}/").content.decode()


def test_page_titles_hold_no_markup(world, client_for):
    """A template edit once put the complaint cards inside <title>; every main page's title is plain text."""
    import re

    order = make_order(world, type="complaint")
    services.complaint_register(order=order, actor=world.manager, data=details())
    client = client_for(world.manager)
    for url in (f"/complaints/{order.public_id}/", f"/orders/{order.public_id}/", "/orders/", "/customers/",
                "/intake/call/", "/revisits/", "/sla/commitments/", "/complaints/cases/", "/notifications/"):
        html = client.get(url).content.decode()
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert "<" not in title, url


def test_complaint_steps_are_post_only_and_a_bad_field_is_shown(world, client_for):
    from anxin.complaints import steps

    order = make_order(world, type="complaint")
    client = client_for(world.agent_a)
    url = f"/complaints/{order.public_id}/steps/"
    for key in steps.COMPLAINT:
        assert client.get(f"{url}{key.replace('_', '-')}/").status_code == 405
    page = client.post(url + "details/", {"what_happened": "", "severity": "normal"})
    assert page.status_code == 200 and 'class="errorlist"' in page.content.decode()
    assert not Complaint.objects.exists()
    early = client.post(url + "propose/", {"kind": "apology", "amount": "0", "measures": "道歉"})
    assert early.status_code == 200 and "请先记录投诉经过" in early.content.decode()  # no complaint yet
