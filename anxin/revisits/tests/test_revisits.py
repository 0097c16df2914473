"""Revisits (F1–F3) and signed self-rating links (F4): forgery, replay and expiry."""

from datetime import datetime, timedelta

import pytest
import time_machine

from anxin.core.errors import DomainError
from anxin.core.signing import rating_token
from anxin.notifications.models import Notification
from anxin.revisits import services
from anxin.revisits.models import Revisit, SelfRating
from anxin.sla.calendar import SHANGHAI
from anxin.workorders import services as wo_services
from anxin.workorders.states import Status
from anxin.workorders.tests.factories import make_order

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


def _done(world, at=MONDAY, close=False):
    with time_machine.travel(at, tick=False):
        order = make_order(world)
        for to in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED):
            order = wo_services.workorder_transition(order=order, to=to, actor=world.manager)
        if close:
            order = wo_services.workorder_transition(order=order, to=Status.CLOSED, actor=world.manager)
    return order


def _schedule():
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        return services.revisits_schedule()


def _scores(n):
    return dict.fromkeys(services.ASPECTS, n)


def test_every_completed_field_order_gets_one_revisit_due_in_three_working_days(world):
    order = _done(world)
    make_order(world, type="consultation")  # not a field order
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        assert services.revisits_schedule() == 1
        assert services.revisits_schedule() == 0
    revisit = Revisit.objects.get(work_order=order)
    # resolved Monday 10:00 → three working days later: Thursday 10:00
    assert revisit.due_at == datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)


def test_not_reached_three_times_closes_as_not_reached(world):
    _done(world)
    _schedule()
    revisit = Revisit.objects.get()
    for _ in range(3):
        revisit = services.revisit_record(revisit=revisit, actor=world.agent_a, reached=False)
    assert revisit.status == "not_reached" and revisit.attempts == 3
    with pytest.raises(DomainError) as exc:
        services.revisit_record(revisit=revisit, actor=world.agent_a, reached=False)
    assert exc.value.status == 409


def test_a_dissatisfied_customer_reopens_the_order(world):
    order = _done(world)
    _schedule()
    revisit = services.revisit_record(revisit=Revisit.objects.get(), actor=world.agent_a, reached=True,
                                      scores=_scores(2), comments="还在漏")
    order.refresh_from_db()
    assert revisit.status == "done" and order.status == Status.IN_PROGRESS
    assert "不满意" in order.events.last().reason or "dissatisfied" in order.events.last().reason


def test_a_dissatisfied_customer_of_a_closed_order_gets_a_complaint_opened(world):
    """Closed is final in the state table, and complaints are revisited only once closed: the score is kept and the
    desk gets a complaint about it (F3 "or escalate"), noted on the original order."""
    from anxin.workorders.models import WorkOrder

    order = _done(world, close=True)
    _schedule()
    revisit = services.revisit_record(revisit=Revisit.objects.get(), actor=world.agent_a, reached=True,
                                      scores=_scores(1), comments="师傅态度差")
    order.refresh_from_db()
    assert revisit.status == "done" and revisit.overall == 1 and order.status == Status.CLOSED
    follow_up = WorkOrder.objects.exclude(pk=order.pk).get(customer=order.customer, type="complaint")
    assert order.number in follow_up.title and "师傅态度差" in follow_up.description
    assert follow_up.status == Status.NEW and follow_up.site_id == order.site_id
    assert follow_up.number in order.events.last().body


def test_another_sites_agent_cannot_record_a_revisit(world):
    from anxin.core.errors import NotFound

    _done(world)
    _schedule()
    revisit = Revisit.objects.get()
    assert revisit.work_order.site_id == world.site_a.pk and world.agent_b.org_unit_id != world.site_a.pk
    for reached, scores in ((False, None), (True, _scores(5)), (True, _scores(1))):
        with pytest.raises(NotFound):
            services.revisit_record(revisit=revisit, actor=world.agent_b, reached=reached, scores=scores)
    revisit.refresh_from_db()
    assert revisit.status == "pending" and revisit.attempts == 0
    assert not revisit.work_order.events.filter(reason__contains="回访").exists()


def test_scores_outside_1_to_5_and_uncompleted_orders_are_refused(world):
    order = _done(world)
    _schedule()
    revisit = Revisit.objects.get()
    with pytest.raises(DomainError) as exc:
        services.revisit_record(revisit=revisit, actor=world.agent_a, reached=True, scores=_scores(6))
    assert exc.value.extra["field"] in services.ASPECTS
    with pytest.raises(DomainError):
        services.revisit_record(revisit=revisit, actor=world.agent_a, reached=True, scores={})
    wo_services.workorder_transition(order=order, to=Status.IN_PROGRESS, actor=world.manager)
    revisit.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.revisit_record(revisit=revisit, actor=world.agent_a, reached=True, scores=_scores(5))
    assert exc.value.extra["field"] == "order"


def test_revisit_pages_scope_and_coverage(world, client_for):
    _done(world)
    _schedule()
    revisit = Revisit.objects.get()
    assert revisit.work_order.number in client_for(world.agent_a).get("/revisits/").content.decode()
    assert client_for(world.agent_b).get(f"/revisits/{revisit.pk}/").status_code == 404
    assert client_for(world.warehouse_a).get("/revisits/").status_code == 403
    response = client_for(world.agent_a).post(f"/revisits/{revisit.pk}/", {"reached": "yes", "overall": "5",
                                                                            "timeliness": "5", "comments": "很好"})
    assert response.status_code == 302
    revisit.refresh_from_db()
    assert revisit.overall == 5 and revisit.status == "done"


def test_closing_texts_the_customer_a_rating_link_that_works_once(world, client):
    order = _done(world, close=True)
    sms = Notification.objects.get(kind="milestone_closed")
    assert f"/rate/{order.public_id}:" in sms.subject
    token = sms.subject.split("/rate/")[1].rstrip("/")
    data = {"overall": "4", "timeliness": "5", "attitude": "4", "quality": "4", "comment": "<script>x</script>"}
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):  # within the link's 14 days
        page = client.get(f"/rate/{token}/")
        assert page.status_code == 200 and "评价我们的服务" in page.content.decode()
        assert client.post(f"/rate/{token}/", data).status_code == 200
        again = client.post(f"/rate/{token}/", data)
        assert again.status_code == 409
        used = client.get(f"/rate/{token}/").content.decode()  # the used link says so at once, no form
        assert "已经评价过" in used and 'name="overall"' not in used
    assert SelfRating.objects.count() == 1 and SelfRating.objects.get().comment == "<script>x</script>"


def test_forged_tampered_and_expired_links_are_refused_alike(world, client):
    order = _done(world, close=True)
    other = _done(world, close=True)
    token = rating_token(order.public_id)
    forged = token.replace(str(order.public_id), str(other.public_id))
    data = {"overall": "1", "timeliness": "1", "attitude": "1", "quality": "1"}
    for bad in (forged, token[:-2] + "xx", "nonsense"):
        response = client.post(f"/rate/{bad}/", data)
        assert response.status_code == 404 and "已失效" in response.content.decode()
    with time_machine.travel(datetime.now(tz=SHANGHAI) + timedelta(days=15)):
        assert client.post(f"/rate/{token}/", data).status_code == 404
    assert SelfRating.objects.count() == 0


def test_a_rating_with_a_score_out_of_range_is_a_form_error(world, client):
    order = _done(world, close=True)
    token = rating_token(order.public_id)
    response = client.post(f"/rate/{token}/", {"overall": "9", "timeliness": "1", "attitude": "1", "quality": "1"})
    assert response.status_code == 200 and SelfRating.objects.count() == 0


def test_closed_complaints_are_revisited_and_new_requests_open_linked_orders(world):
    from anxin.workorders.models import WorkOrder

    with time_machine.travel(MONDAY, tick=False):
        complaint = make_order(world, type="complaint", title="维修师傅迟到")
        for to in (Status.ACCEPTED, Status.INVESTIGATING, Status.PROPOSED, Status.RESOLVED, Status.CLOSED):
            complaint = wo_services.workorder_transition(order=complaint, to=to, actor=world.manager,
                                                         customer_confirmed=True)
    assert _schedule() == 1
    revisit = Revisit.objects.get(work_order=complaint)
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        services.revisit_record(revisit=revisit, actor=world.agent_a, reached=True, scores=_scores(4),
                                new_request="顺便检查一下阳台地漏")
    new = WorkOrder.objects.get(title="顺便检查一下阳台地漏")
    assert new.customer == complaint.customer and complaint.number in new.description
