"""The field pages through the test client: board, propose/accept, desk panel, phone steps, PDF, tracking."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from anxin.core.errors import DomainError, PermissionDeniedError
from anxin.devtools.testing.field import build_field, repair_order, tomorrow_at
from anxin.devtools.testing.personas import fresh
from anxin.field import tracking
from anxin.field.models import Assignment, Signature
from anxin.field.services import appointments, assignments, jobs, quotes, visits
from anxin.field.tests.test_field_flow import signature_png
from anxin.workorders.states import Status


@pytest.fixture
def fw(world):
    return build_field(world)


def _book(world, order, start=9, end=11):
    appointments.appointment_set(order=order, actor=fresh(world.agent_a), window_from=tomorrow_at(start),
                                 window_to=tomorrow_at(end), agreed_with="王芳")


def test_board_proposes_and_accepts_a_plan(world, fw, client_for):
    orders = [repair_order(world, title=f"漏水{i}") for i in range(3)]
    for o in orders:
        _book(world, o)
    client = client_for(world.dispatcher_a)
    day = tomorrow_at(0).date().isoformat()
    page = client.post("/field/board/", {"step": "propose", "site": "SA", "day": day})
    assert page.status_code == 200
    rows = page.context["proposal"].rows
    assert len(rows) == 3 and all(r.technician == world.tech_a for r in rows)  # the only plumber
    response = client.post("/field/board/", {"step": "accept", "site": "SA", "day": day,
                                             "row": [f"{r.order.public_id}|{r.technician.username}|{r.start.isoformat()}"
                                                     for r in rows[:2]]})
    assert response.status_code == 302
    assert Assignment.objects.filter(source="plan", cancelled_at__isnull=True).count() == 2
    board = client.get(f"/field/board/?site=SA&day={day}")
    assert len(board.context["unassigned"]) == 1
    assert "调度看板" in board.content.decode() and "每日工作分派登记表" in board.content.decode()


def test_manual_override_needs_a_reason_and_is_registered(world, fw, client_for):
    order = repair_order(world)
    _book(world, order)
    client = client_for(world.dispatcher_a)
    day = tomorrow_at(0).date().isoformat()
    data = {"step": "assign", "site": "SA", "day": day, "order": str(order.public_id), "technician": "tech_a",
            "start": "15:00"}
    page = client.post("/field/board/", data)
    assert page.status_code == 200 and "不在与客户约定的时间段内" in page.content.decode()
    assert "如仍要派工,请填写违规派工原因" in page.content.decode()
    assert not Assignment.objects.exists()
    client.post("/field/board/", data | {"override_reason": "客户电话同意下午"})
    a = Assignment.objects.get()
    assert a.override_reason == "客户电话同意下午" and a.warnings


def test_board_queries_do_not_grow_with_orders(world, fw, client_for):
    client = client_for(world.dispatcher_a)
    day = tomorrow_at(0).date().isoformat()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/field/board/?site=SA&day={day}").status_code == 200
        return len(ctx)

    for i in range(2):
        o = repair_order(world, title=f"a{i}")
        _book(world, o, 8 + 2 * i, 10 + 2 * i)
        assignments.assignment_create(order=o, technician=world.tech_a, start=tomorrow_at(9 + 2 * i), actor=fresh(world.dispatcher_a))
    few = count()
    for i in range(4):
        o = repair_order(world, title=f"b{i}")
        _book(world, o, 13, 17)
        if i < 2:
            assignments.assignment_create(order=o, technician=world.tech_a, start=tomorrow_at(13 + 2 * i),
                                          actor=fresh(world.dispatcher_a))
    assert count() <= few + 2


def test_board_lists_the_most_urgent_waiting_orders_and_says_when_there_are_more(world, fw, client_for, monkeypatch):
    from anxin.field import views
    from anxin.workorders.models import WorkOrder

    monkeypatch.setattr(views, "BOARD_WAITING", 2)
    orders = [repair_order(world, title=f"等待{i}") for i in range(3)]
    urgent = repair_order(world, title="燃气泄漏")
    WorkOrder.objects.filter(pk=urgent.pk).update(is_emergency=True)  # lint: allow-write (fixture)
    page = client_for(world.dispatcher_a).get("/field/board/?site=SA")
    listed = page.context["unassigned"]
    assert [o.public_id for o in listed] == [urgent.public_id, orders[0].public_id]  # emergencies first, then the oldest
    html = page.content.decode()
    assert "未分配 (2+)" in html and 'id="more-waiting"' in html and "派工方案会考虑更多" in html
    monkeypatch.setattr(views, "BOARD_WAITING", 10)
    page = client_for(world.dispatcher_a).get("/field/board/?site=SA")
    assert len(page.context["unassigned"]) == 4 and 'id="more-waiting"' not in page.content.decode()


def test_the_boards_waiting_orders_are_read_from_their_index_in_order(world, fw):
    """wo_site_dispatchable: the board does not sort every waiting field order of a busy site."""
    from anxin.field.selectors import WAITING_COLUMNS, waiting_qs
    from anxin.workorders.tests.test_queue_indexes import _plan

    repair_order(world)
    waiting = waiting_qs(user=world.dispatcher_a, site=world.site_a)
    # the models the plan reads, and the values the board lists (field.selectors.waiting_rows)
    for qs in (waiting[:101], waiting.values_list(*WAITING_COLUMNS)[:101]):
        plan = _plan(qs)
        assert "wo_site_dispatchable" in plan, plan
        if connection.vendor == "sqlite":
            assert "TEMP B-TREE" not in plan, plan
        else:
            assert not any(line.strip().startswith(("Sort", "->  Sort")) for line in plan.splitlines()), plan


def test_roles_without_dispatch_cannot_open_the_board(world, fw, client_for):
    assert client_for(world.agent_a).get("/field/board/").status_code == 403
    assert client_for(world.tech_a).get("/field/board/").status_code == 403


def test_other_site_cannot_see_the_job(world, fw, client_for):
    order = repair_order(world)
    assert client_for(world.agent_b).get(f"/field/orders/{order.public_id}/").status_code == 404
    assert client_for(world.agent_b).get(f"/field/orders/{order.public_id}/print/").status_code == 404


def test_desk_books_and_reschedules_on_the_job_page(world, fw, client_for):
    order = repair_order(world)
    client = client_for(world.agent_a)
    url = f"/field/orders/{order.public_id}/"
    fmt = "%Y-%m-%dT%H:%M"
    r = client.post(url + "steps/appointment/", {"window_from": tomorrow_at(9).strftime(fmt),
                          "window_to": tomorrow_at(11).strftime(fmt), "agreed_with": "王芳"})
    assert r.status_code == 302
    page = client.post(url + "steps/appointment/", {"window_from": tomorrow_at(14).strftime(fmt),
                             "window_to": tomorrow_at(16).strftime(fmt), "agreed_with": "王芳"})
    assert "请填写改约原因" in page.content.decode()  # a reschedule needs its reason
    assert order.appointments.count() == 1


def test_technician_runs_the_job_on_the_phone_page(world, fw, client_for):
    order = repair_order(world)
    _book(world, order)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    client = client_for(world.tech_a)
    url = f"/field/my/{order.public_id}/"
    assert order.number in client.get("/field/my/?day=" + tomorrow_at(0).date().isoformat()).content.decode()
    assert client.post(url + "arrive/", {"token": "a1"}).status_code == 302
    assert client.post(url + "arrive/", {"token": "a1"}).status_code == 302  # the retry: no error, no repeat
    items = {"token": "i1", "point": ["外观", "角阀"], "ok_0": "ok", "ok_1": "ng",
             "note_1": "锈蚀", "signer_name": "王芳", "signature": signature_png()}
    assert client.post(url + "inspection/", items).status_code == 302
    page = client.post(url + "accept/", {"token": "c1", "signer_name": "王芳", "signature": ""})
    assert page.status_code == 200 and "客户尚未签字" in page.content.decode()  # not signed: refused, clear message
    assert client.post(url + "accept/", {"token": "c2", "signer_name": "王芳",
                             "signature": signature_png()}).status_code == 302
    assert client.post(url + "payment/", {"method": "warranty"}).status_code == 302
    order.refresh_from_db()
    assert order.status == Status.RESOLVED and order.field_job.payment_method == "warranty"
    sig = Signature.objects.get(work_order=order, purpose="acceptance")
    img = client.get(f"/field/orders/{order.public_id}/signatures/{sig.public_id}.png")
    assert img.status_code == 200 and img["Content-Type"] == "image/png"
    other = client_for(world.agent_b).get(f"/field/orders/{order.public_id}/signatures/{sig.public_id}.png")
    assert other.status_code == 404


def test_printed_order_has_three_copies_chinese_fields_and_tracking_qr(world, fw, client_for):
    order = repair_order(world)
    _book(world, order)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    response = client_for(world.agent_a).get(f"/field/orders/{order.public_id}/print/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3
    texts = [page.extract_text() for page in reader.pages]
    for text, copy in zip(texts, ["技术员联", "客户联", "服务台联"], strict=True):
        assert copy in text and "委托安装派工单" in text and order.number in text
        assert "王芳" in text and "漏水维修" in text and "预约时间" in text
    link = re.search(r"/t/[^\s]+/", texts[0]).group(0)
    assert world.tech_a.display_name in client_for(world.agent_a).get(link).content.decode()


def test_tracking_page_shows_public_facts_only_and_refuses_forged_links(world, fw, client):
    order = repair_order(world)
    url = tracking.tracking_url(order).split("http://127.0.0.1:8000")[-1]
    page = client.get(url)
    assert page.status_code == 200 and order.number in page.content.decode()
    assert "13800138000" not in page.content.decode()
    assert client.get(url[:-3] + "xx/").status_code == 404


def test_warehouse_issues_a_requisition(world, fw, client_for):
    order = repair_order(world)
    _book(world, order)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    visits.visit_arrive(order=order, actor=fresh(world.tech_a))
    client = client_for(world.tech_a)
    client.post(f"/field/my/{order.public_id}/materials/", {"token": "m1", "part": ["P-VALVE-15", ""],
                                                   "part_qty": ["2", "1"]})
    keeper = client_for(world.warehouse_a)
    page = keeper.get("/field/warehouse/")
    req = page.context["requisitions"][0]
    assert keeper.post("/field/warehouse/", {"requisition": str(req.public_id)}).status_code == 302
    req.refresh_from_db()
    assert req.status == "issued"
    assert client_for(world.tech_a).get("/field/warehouse/").status_code == 403


def test_archive_history_shows_the_job_the_same_day(world, fw, client_for):
    order = repair_order(world)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    tech = fresh(world.tech_a)
    visits.visit_arrive(order=order, actor=tech)
    visits.acceptance_record(order=order, actor=tech, signer_name="王芳", signature=signature_png())
    page = client_for(world.agent_a).get(f"/customers/{world.customer_a.public_id}/").content.decode()
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    row = next(line for line in page.splitlines() if order.number in line)
    assert "漏水维修" in row and row.count(today) >= 3  # received, work started, handed over
    assert str(world.tech_a) in row


def test_time_board_shows_actual_against_standard_minutes(world, fw, client_for):
    import time_machine

    order = repair_order(world)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    tech = fresh(world.tech_a)
    with time_machine.travel(tomorrow_at(9, 35), tick=False):
        visits.visit_arrive(order=order, actor=tech)
    with time_machine.travel(tomorrow_at(10, 50), tick=False):
        visits.acceptance_record(order=order, actor=tech, signer_name="王芳", signature=signature_png())
    page = client_for(world.dispatcher_a).get(f"/field/board/?site=SA&day={tomorrow_at(0).date().isoformat()}")
    row = next(r for r in page.context["rows"] if r.profile.user == world.tech_a)
    assert (row.actual, row.standard_done) == (75, 60)  # 15 minutes over the standard time: shown in red
    assert "75 / 60" in page.content.decode()


def test_signed_quote_prints_for_the_customer_with_signature_and_hash(world, fw, client_for):
    from anxin.field.models import PriceItem

    order = repair_order(world)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    tech = fresh(world.tech_a)
    visits.visit_arrive(order=order, actor=tech)
    quotes.quote_add_item(order=order, actor=tech, price_item=PriceItem.objects.get(code="M-VALVE-15"),
                          quantity=2)
    quotes.quote_submit(order=order, actor=tech)
    quote = quotes.quote_decide(order=order, actor=tech, approve=True, signer_name="王芳",
                                signature=signature_png())
    response = client_for(world.tech_a).get(f"/field/orders/{order.public_id}/quotes/1/print/")
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    for words in ("委托安装估价单", "角阀 DN15", "70.00", "王芳", "同意", quote.signature.sha256[:16]):
        assert words in text, words
    assert client_for(world.tech_a2).get(f"/field/orders/{order.public_id}/quotes/1/print/").status_code == 404
    assert client_for(world.agent_a).get(f"/field/orders/{order.public_id}/quotes/9/print/").status_code == 404


def test_technicians_cannot_do_the_desks_part(world, fw, client_for):
    order = repair_order(world)
    tech = fresh(world.tech_a)
    with pytest.raises(PermissionDeniedError):
        appointments.appointment_set(order=order, actor=tech, window_from=tomorrow_at(9), window_to=tomorrow_at(11),
                                     agreed_with="王芳")
    with pytest.raises(PermissionDeniedError):
        jobs.job_details_set(order=order, actor=tech, job_type=fw.circuit)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    client = client_for(world.tech_a)
    assert client.get(f"/field/orders/{order.public_id}/").status_code == 403  # the desk's panel
    assert client.get(f"/field/my/{order.public_id}/").status_code == 200  # his own phone page
    assert client_for(world.tech_a2).get(f"/field/orders/{order.public_id}/print/").status_code == 404


def test_rework_must_point_at_the_same_customers_earlier_order(world, fw):
    order = repair_order(world)
    with pytest.raises(DomainError) as exc:
        jobs.job_details_set(order=order, actor=fresh(world.dispatcher_a), job_type=fw.leak, rework_of=order)
    assert exc.value.extra["field"] == "rework_of"


def _on_site(world, order):
    _book(world, order)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    order.refresh_from_db()
    visits.visit_arrive(order=order, actor=fresh(world.tech_a))


def test_a_quote_line_sent_twice_with_its_token_is_added_once(world, fw, client_for):
    from anxin.field.models import Quote

    order = repair_order(world)
    _on_site(world, order)
    client = client_for(world.tech_a)
    url = f"/field/my/{order.public_id}/"
    line = {"token": "q1", "quantity": "2", "kind": "part", "description": "角阀",
            "unit_price": "180"}
    first = client.post(url + "quote-item/", line)
    assert first.status_code == 302, [str(m) for m in first.context["messages"]]
    again = client.post(url + "quote-item/", line, follow=True)  # the re-send after a dropped response
    assert "此步骤已保存" in again.content.decode()
    quote = Quote.objects.get(work_order=order)
    assert quote.items.count() == 1 and str(quote.total) == "360.00"
    assert order.events.filter(type=order.events.model.Type.QUOTE_CHANGED).count() == 1
    # a second form on the same page carries its own token: it is not swallowed as a repeat
    page = client.get(url).content.decode()
    tokens = re.findall(r'name="token" value="([0-9a-f]{32})"', page)
    assert len(tokens) == len(set(tokens)) > 3
    assert client.post(url + "quote-item/", {**line, "token": tokens[0], "description": "密封圈", "unit_price": "5",
                             "quantity": "1"}).status_code == 302
    assert str(Quote.objects.get(work_order=order).total) == "365.00"


def test_the_phone_page_opens_only_the_step_the_job_is_at(world, fw, client_for):
    order = repair_order(world)
    _on_site(world, order)
    page = client_for(world.tech_a).get(f"/field/my/{order.public_id}/")
    assert page.context["step"] == "inspection"
    html = page.content.decode()
    assert re.search(r'id="step-inspection" open', html)
    assert not re.search(r'id="step-(quote|accept|materials|warranty)" open', html)
    assert 'class="topbar phonebar"' in html and "API 令牌" not in html  # the phone's own one-line header


def test_every_step_has_its_own_post_only_url(world, fw, client_for):
    """Issue 15: one URL per step, from the same tables the API runs; a GET changes nothing."""
    from anxin.field import steps

    order = repair_order(world)
    desk, tech = client_for(world.agent_a), client_for(world.tech_a)
    for key in steps.DESK:
        assert desk.get(f"/field/orders/{order.public_id}/steps/{key.replace('_', '-')}/").status_code == 405
    for key in steps.PHONE:
        assert tech.get(f"/field/my/{order.public_id}/{key.replace('_', '-')}/").status_code == 405
    assert tech.post(f"/field/my/{order.public_id}/no-such-step/").status_code == 404


def test_a_step_answers_htmx_with_the_page_partial(world, fw, client_for):
    order = repair_order(world)
    _on_site(world, order)
    client = client_for(world.tech_a)
    refused = client.post(f"/field/my/{order.public_id}/accept/", {"token": "x1", "signer_name": "王芳"},
                          HTTP_HX_REQUEST="true")
    html = refused.content.decode()
    assert refused.status_code == 200 and "<html" not in html and 'id="phone-job"' in html
    assert "客户尚未签字" in html  # the reason travels with the partial
    saved = client.post(f"/field/my/{order.public_id}/accept/", {"token": "x2", "signer_name": "王芳",
                                                                  "signature": signature_png()},
                        HTTP_HX_REQUEST="true", follow=True)
    assert "<html" not in saved.content.decode() and "已保存" in saved.content.decode()


def test_a_desk_step_with_a_bad_field_shows_it_next_to_the_field(world, fw, client_for):
    order = repair_order(world)
    page = client_for(world.agent_a).post(f"/field/orders/{order.public_id}/steps/appointment/",
                                          {"window_from": "soon", "agreed_with": "王芳"}, HTTP_HX_REQUEST="true")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="field-panel"' in html and "<html" not in html
    assert html.count('class="errorlist"') >= 2 and "请检查" in html
    assert order.appointments.count() == 0


def test_a_refused_desk_step_keeps_what_was_typed(world, fw, client_for):
    order = repair_order(world)
    fmt = "%Y-%m-%dT%H:%M"
    page = client_for(world.agent_a).post(f"/field/orders/{order.public_id}/steps/appointment/", {
        "window_from": tomorrow_at(11).strftime(fmt), "window_to": tomorrow_at(9).strftime(fmt), "agreed_with": "赵杰"})
    html = page.content.decode()
    assert page.status_code == 200 and "结束时间必须晚于开始时间" in html and 'value="赵杰"' in html
