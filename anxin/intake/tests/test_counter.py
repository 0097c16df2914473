"""A4 walk-in counter: numbers, appointment holders first, one customer per window, every visit in the log."""

import pytest
from django.urls import reverse

from anxin.core.errors import DomainError, NotFound, PermissionDeniedError
from anxin.devtools.testing.personas import fresh
from anxin.intake import counter_services as counter
from anxin.intake import selectors
from anxin.intake.models import ContactLog, CounterTicket
from anxin.workorders.models import WorkOrder


@pytest.fixture
def desk_a(world):
    return counter.desk_open(actor=world.agent_a, site=world.site_a, label="1号窗口")


def test_appointment_holders_first_then_first_come_first_served(world, desk_a):
    a1 = counter.ticket_take(actor=world.agent_a, site=world.site_a, name="甲")
    a2 = counter.ticket_take(actor=world.agent_a, site=world.site_a, name="乙")
    y1 = counter.ticket_take(actor=world.agent_a, site=world.site_a, name="丙", has_appointment=True)
    assert [a1.number, a2.number, y1.number] == ["A001", "A002", "Y001"]
    order = []
    for _ in range(3):
        ticket = counter.ticket_call_next(actor=world.agent_a)
        order.append(ticket.number)
        counter.ticket_finish(actor=world.agent_a, ticket=ticket, content="已解答")
    assert order == ["Y001", "A001", "A002"]
    assert counter.ticket_call_next(actor=world.agent_a) is None


def test_a_visit_is_a_contact_in_the_log_like_a_call(world, desk_a):
    ticket = counter.ticket_take(actor=world.agent_a, site=world.site_a, phone="138 0013 8000", purpose="咨询水费")
    assert ticket.customer == world.customer_a and ticket.name == "王芳" and ticket.phone == "+8613800138000"
    ticket = counter.ticket_call_next(actor=world.agent_a)
    counter.ticket_finish(actor=world.agent_a, ticket=ticket, content="已说明缴费方式", category="business")
    log = ContactLog.objects.get()
    assert log.channel == "walk_in" and log.customer == world.customer_a and log.category == "business"
    assert log.content == "咨询水费\n已说明缴费方式" and log.done_at and log.taker == world.agent_a
    assert CounterTicket.objects.get().contact_log == log


def test_double_submit_gives_one_number_and_double_call_one_customer(world, desk_a):
    first = counter.ticket_take(actor=world.agent_a, site=world.site_a, client_token="t1")
    again = counter.ticket_take(actor=world.agent_a, site=world.site_a, client_token="t1")
    counter.ticket_take(actor=world.agent_a, site=world.site_a)
    assert first.pk == again.pk and CounterTicket.objects.count() == 2
    called = counter.ticket_call_next(actor=world.agent_a)
    assert counter.ticket_call_next(actor=world.agent_a).pk == called.pk  # a second press: the same customer
    assert CounterTicket.objects.filter(state="called").count() == 1


def test_two_windows_never_call_the_same_customer(world, desk_a):
    other = fresh(world.dispatcher_a)
    counter.desk_open(actor=other, site=world.site_a, label="2号窗口")
    counter.ticket_take(actor=world.agent_a, site=world.site_a)
    counter.ticket_take(actor=world.agent_a, site=world.site_a)
    one, two = counter.ticket_call_next(actor=world.agent_a), counter.ticket_call_next(actor=other)
    assert {one.number, two.number} == {"A001", "A002"} and one.desk != two.desk


def test_only_the_window_serving_a_customer_may_finish_them(world, desk_a):
    counter.ticket_take(actor=world.agent_a, site=world.site_a)
    ticket = counter.ticket_call_next(actor=world.agent_a)
    other = fresh(world.dispatcher_a)
    with pytest.raises(DomainError):
        counter.ticket_finish(actor=other, ticket=ticket, content="x")
    with pytest.raises(DomainError):
        counter.desk_close(actor=world.agent_a)  # someone is still at the window
    counter.ticket_no_show(actor=world.agent_a, ticket=ticket)
    assert CounterTicket.objects.get().state == "left" and not ContactLog.objects.exists()
    counter.desk_close(actor=world.agent_a)


def test_other_sites_and_other_roles_are_refused(world, desk_a, client_for):
    """Scope: an agent of site B can neither give site A numbers nor open, call or note them; a technician has
    no counter at all."""
    ticket = counter.ticket_take(actor=world.agent_a, site=world.site_a, phone="13800138000")
    with pytest.raises(NotFound):
        counter.ticket_take(actor=world.agent_b, site=world.site_a)
    with pytest.raises(NotFound):
        counter.desk_open(actor=world.agent_b, site=world.site_a, label="3号")
    with pytest.raises(NotFound):
        selectors.counter_ticket_get_for(user=world.agent_b, public_id=ticket.public_id)
    with pytest.raises(PermissionDeniedError):
        counter.ticket_take(actor=world.tech_a, site=world.site_a)
    client = client_for(world.agent_b)
    response = client.post(reverse("intake:counter"), {"action": "note", "ticket": ticket.public_id, "purpose": "x"})
    assert response.status_code == 404 and CounterTicket.objects.get().purpose == ""
    assert client_for(world.tech_a).get(reverse("intake:counter")).status_code == 403


def test_the_hall_display_shows_numbers_only_and_one_waiting_per_free_window(world, desk_a, client_for):
    for n in range(4):
        counter.ticket_take(actor=world.agent_a, site=world.site_a, name=f"张某{n}", phone="13800138000")
    counter.desk_open(actor=fresh(world.dispatcher_a), site=world.site_a, label="2号窗口")
    board = selectors.counter_display(site=world.site_a)
    assert board.serving == [] and board.next_up == ["A001", "A002"] and board.waiting_count == 4
    counter.ticket_call_next(actor=world.agent_a)
    board = selectors.counter_display(site=world.site_a)
    assert board.serving == [("A001", "1号窗口")] and board.next_up == ["A002"]
    html = client_for(world.agent_a).get(reverse("intake:counter-display") + "?site=SA").content.decode()
    assert "A001" in html and "1号窗口" in html and "张某" not in html and "8000" not in html
    # another site's agent asking for this site's board gets his own site's (empty) board, nothing of site A
    other = client_for(world.agent_b).get(reverse("intake:counter-display") + "?site=SA").content.decode()
    assert "A001" not in other and "1号窗口" not in other and "B站" in other


def test_the_counter_page_end_to_end(world, client_for, django_assert_max_num_queries):
    client = client_for(world.agent_a)
    url = reverse("intake:counter")
    client.post(url, {"action": "open", "site": "SA", "label": "1号窗口"})
    for n in range(3):
        client.post(url, {"action": "take", "site": "SA", "phone": "", "name": f"客户{n}", "purpose": "报修",
                          "token": f"tok{n}"})
    refused = client.post(url, {"action": "take", "site": "SA", "phone": "abc", "token": "bad"})
    assert refused.status_code == 200 and "请输入有效的电话号码" in refused.content.decode()  # said, on the form
    assert CounterTicket.objects.count() == 3
    with django_assert_max_num_queries(14):
        page = client.get(url)
    assert "A003" in page.content.decode() and "1号窗口" in page.content.decode()
    client.post(url, {"action": "next"})
    ticket = CounterTicket.objects.get(state="called")
    response = client.post(url, {"action": "finish", "ticket": ticket.public_id, "category": "general",
                                 "content": "已答复"})
    assert response.status_code == 302 and ContactLog.objects.get().channel == "walk_in"


def test_serving_on_the_call_screen_closes_the_number_with_its_log_and_order(world, desk_a, client_for):
    counter.ticket_take(actor=world.agent_a, site=world.site_a, phone="13800138000")
    ticket = counter.ticket_call_next(actor=world.agent_a)
    client = client_for(world.agent_a)
    page = client.get(reverse("intake:call-new") + f"?channel=walk_in&ticket={ticket.public_id}&phone=13800138000")
    assert page.status_code == 200 and f'value="{ticket.public_id}"' in page.content.decode()
    response = client.post(reverse("intake:call-new"), {
        "action": "order", "site": "SA", "customer": world.customer_a.public_id, "phone": "13800138000",
        "channel": "walk_in", "category": "install_repair", "content": "热水器坏了", "order_type": "repair",
        "order_title": "热水器不加热", "priority": 2, "token": "walkin-1", "ticket": ticket.public_id, "force_new": "1"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    order = WorkOrder.objects.get()
    assert ticket.state == "done" and ticket.contact_log.work_order == order and order.channel == "walk_in"
