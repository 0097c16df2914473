import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from anxin.workorders import services
from anxin.workorders.models import WorkOrder
from anxin.workorders.tests.factories import make_order


def test_queue_lists_only_the_scope(world, client_for):
    make_order(world, title="A站的单")
    make_order(world, actor=world.agent_b, customer=world.customer_b, title="B站的单")
    html = client_for(world.agent_a).get("/orders/").content.decode()
    assert "A站的单" in html and "B站的单" not in html


def test_queue_filters_and_sort_allow_list(world, client_for):
    make_order(world, title="报修单")
    make_order(world, type="consultation", title="咨询单")
    client = client_for(world.agent_a)
    html = client.get("/orders/?type=consultation&sort=priority").content.decode()
    assert "咨询单" in html and "报修单" not in html
    # an unknown sort key is ignored, never used as a field name
    assert client.get("/orders/?sort=customer__contacts__phone").status_code == 200
    # a bad value is that field's error, in Chinese; the other filters still apply
    html = client.get("/orders/?type=consultation&status=nonsense").content.decode()
    assert "咨询单" in html and "报修单" not in html and 'class="errorlist"' in html and "nonsense" in html
    assert "选择一个有效的选项" in html


def test_queue_filter_on_a_site_or_owner_outside_the_scope_shows_nothing_of_theirs(world, client_for):
    make_order(world, actor=world.agent_b, customer=world.customer_b, title="B站的单")
    client = client_for(world.agent_a)
    response = client.get(f"/orders/?site={world.site_b.code}&owner={world.agent_b.username}"
                          f"&taken_by={world.agent_b.username}")
    assert response.status_code == 200 and "B站的单" not in response.content.decode()


def test_queue_query_count_does_not_grow_with_rows(world, client_for):
    client = client_for(world.manager)
    make_order(world)
    client.get("/orders/")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/orders/").status_code == 200
    for _ in range(30):
        make_order(world)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/orders/").status_code == 200
    assert len(many) == len(few) <= 12


def test_detail_query_count_is_the_same_for_a_short_and_a_long_timeline(world, client_for):
    short, long = make_order(world), make_order(world)
    for i in range(20):
        services.workorder_add_note(order=long, actor=world.agent_a, body=f"备注{i}")
    client = client_for(world.agent_a)
    client.get(f"/orders/{short.public_id}/")  # warm caches (content types, sessions)
    counts = []
    for order in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/orders/{order.public_id}/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 16


def test_a_page_past_the_paging_limit_answers_at_once_with_what_to_do(world, client_for, monkeypatch):
    from anxin.workorders import views

    monkeypatch.setattr(views, "COUNT_CAP", 2)
    monkeypatch.setattr(views, "MAX_PAGE", 1)
    for _ in range(3):
        make_order(world, title="很多的单")
    client = client_for(world.agent_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/orders/?page=2")
    html = response.content.decode()
    assert response.status_code == 200 and "很多的单" not in html
    assert "请添加筛选条件或日期范围" in html and "page=3" not in html
    # the rows are not read at all: only the capped count
    assert not any("OFFSET" in q["sql"] for q in queries.captured_queries)


def test_a_page_past_the_end_says_so_and_links_to_the_last_page(world, client_for):
    make_order(world, title="只有一页")
    html = client_for(world.agent_a).get("/orders/?page=7").content.decode()
    assert "这一页已超出列表末尾，列表共 1 页" in html and "page=1" in html and "只有一页" not in html
    assert client_for(world.agent_a).get("/orders/?page=abc").status_code == 200


def test_outsider_and_unknown_ids_look_the_same(world, client_for):
    order = make_order(world)
    client = client_for(world.agent_b)
    assert client.get(f"/orders/{order.public_id}/").status_code == 404
    assert client.get(f"/orders/{uuid.uuid4()}/").status_code == 404
    assert client.post(f"/orders/{order.public_id}/transition/", {"to": "accepted", "version": 1}).status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).status == "new"


@pytest.mark.parametrize("action", ["transition", "assign", "notes", "attachments"])
def test_get_on_a_mutation_is_405(world, client_for, action):
    order = make_order(world)
    assert client_for(world.agent_a).get(f"/orders/{order.public_id}/{action}/").status_code == 405


def test_anonymous_is_sent_to_login(world, client):
    order = make_order(world)
    response = client.get(f"/orders/{order.public_id}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_transition_through_the_page_and_illegal_one_shows_an_error(world, client_for):
    order = make_order(world)
    client = client_for(world.agent_a)
    response = client.post(f"/orders/{order.public_id}/transition/", {"to": "accepted", "version": 1},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "已受理" in response.content.decode()
    stale = client.post(f"/orders/{order.public_id}/transition/", {"to": "scheduled", "version": 1},
                        HTTP_HX_REQUEST="true")
    assert "已被他人修改" in stale.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).status == "accepted"


def test_html_in_text_is_escaped(world, client_for):
    order = make_order(world, title='"><img src=x onerror=alert(1)>', description="<script>alert(1)</script>")
    html = client_for(world.agent_a).get(f"/orders/{order.public_id}/").content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_technician_sees_full_phone_only_on_his_active_order(world, client_for):
    order = make_order(world)
    services.workorder_assign(order=order, owner=world.tech_a, actor=world.dispatcher_a)
    html = client_for(world.tech_a).get(f"/orders/{order.public_id}/").content.decode()
    assert "13800138000" in html
    services.workorder_assign(order=order, owner=world.tech_a2, actor=world.dispatcher_a)
    assert client_for(world.tech_a).get(f"/orders/{order.public_id}/").status_code == 404


def test_warehouse_sees_masked_phones(world, client_for):
    order = make_order(world)
    html = client_for(world.warehouse_a).get(f"/orders/{order.public_id}/").content.decode()
    assert "138****8000" in html and "13800138000" not in html


def test_bulk_assign(world, client_for):
    orders = [make_order(world) for _ in range(3)]
    client = client_for(world.dispatcher_a)
    response = client.post("/orders/bulk-assign/", {"orders": [str(o.public_id) for o in orders], "owner": "tech_a"})
    assert response.status_code == 302
    assert set(WorkOrder.objects.values_list("owner__username", flat=True)) == {"tech_a"}
    # an agent without the right changes nothing
    client_for(world.agent_a).post("/orders/bulk-assign/", {"orders": [str(orders[0].public_id)], "owner": ""})
    assert WorkOrder.objects.get(pk=orders[0].pk).owner == world.tech_a


def test_attachment_download_is_a_checked_attachment_response(world, client_for):
    from anxin.workorders.attachments import attachment_add

    order = make_order(world)
    out = io.BytesIO()
    Image.new("RGB", (3, 3)).save(out, format="JPEG")
    att = attachment_add(order=order, actor=world.agent_a,
                         file=SimpleUploadedFile("<img src=x onerror=alert(1)>.jpg", out.getvalue()))
    response = client_for(world.agent_a).get(f"/orders/{order.public_id}/attachments/{att.public_id}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(world.agent_b).get(f"/orders/{order.public_id}/attachments/{att.public_id}/").status_code == 404


def test_create_form_double_submit_makes_one_order(world, client_for):
    client = client_for(world.agent_a)
    data = {"type": "repair", "channel": "hotline", "title": "漏水", "priority": 2, "token": "t-1"}
    first = client.post(f"/orders/new/{world.customer_a.public_id}/", data)
    second = client.post(f"/orders/new/{world.customer_a.public_id}/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert WorkOrder.objects.count() == 1


def test_pages_switch_to_english(world, client_for):
    client = client_for(world.agent_a)
    assert "工单" in client.get("/orders/").content.decode()
    client.post("/i18n/setlang/", {"language": "en"})
    assert "Work orders" in client.get("/orders/").content.decode()


def test_every_catalogue_entry_is_translated_and_not_fuzzy():
    # msgfmt-independent check of the committed catalogue: Django skips fuzzy entries silently.
    import re
    from pathlib import Path

    po = (Path(__file__).resolve().parents[3] / "locale/zh_Hans/LC_MESSAGES/django.po").read_text()
    assert "#, fuzzy" not in po.split("\n\n", 1)[1]
    # no translation is its own text repeated (a past fill script doubled wrapped entries)
    for block in re.findall(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', po, re.M):
        text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))
        for n in (2, 3):
            size = len(text) // n
            assert not (size > 5 and len(text) % n == 0 and text == text[:size] * n), text


def test_timeline_labels_are_the_right_words(world, client_for):
    order = make_order(world)
    html = client_for(world.agent_a).get(f"/orders/{order.public_id}/").content.decode()
    assert "工单创建" in html and "工单类型" not in html


def test_pages_are_chinese_even_for_an_english_browser_until_the_user_switches(world, client_for):
    client = client_for(world.agent_a)
    assert "工单" in client.get("/orders/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    client.post("/i18n/setlang/", {"language": "en"})
    assert "Work orders" in client.get("/orders/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
