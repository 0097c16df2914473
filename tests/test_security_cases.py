"""SECURITY-CASES rows that had no test of their own (docs/security.md): 3, 7, 10, 14, 17, 23, 33, 37 and 44."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from anxin.devtools.testing.personas import fresh
from anxin.workorders.attachments import safe_display_name
from anxin.workorders.models import Attachment
from anxin.workorders.tests.factories import make_order

HOSTILE_NAMES = ["../../etc/passwd", "..\\..\\boot.ini", "C:\\Windows\\system32\\evil.pdf", "report\u202egnp.exe",
                 "nul\x00byte.pdf", "a" * 400 + ".pdf", "<script>alert(1)</script>.pdf", ".htaccess",
                 "name\r\nContent-Type: text/html.pdf", "照片\u2066.jpg"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_case_10_hostile_file_names_are_cleaned_and_never_used_on_disk(world, client_for, name):
    shown = safe_display_name(name)
    assert "/" not in shown and "\\" not in shown and len(shown) <= 120
    assert all(ch.isprintable() for ch in shown) and not set(shown) & set("\u202e\u2066\r\n\x00")
    order = make_order(world)
    upload = SimpleUploadedFile(name.replace("\x00", "")[:250] or "x", b"%PDF-1.4\n%%EOF\n",
                                content_type="application/pdf")
    response = client_for(world.agent_a).post(f"/api/workorders/{order.public_id}/attachments", {"file": upload})
    assert response.status_code == 201, response.content
    stored = Attachment.objects.get()
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored.stored_name)  # the disk sees only a server-made name
    download = client_for(world.agent_a).get(f"/orders/{order.public_id}/attachments/{stored.public_id}/")
    disposition = download["Content-Disposition"]
    assert disposition.startswith('attachment; filename="download"') and "\r" not in disposition
    assert "\n" not in disposition and "<" not in disposition


def test_case_14_the_gps_of_a_customers_home_never_leaves_a_photo(world, client_for):
    image = Image.new("RGB", (64, 64), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 1.5), 3: "E", 4: (121.0, 28.0, 2.5)}  # GPSInfo: Shanghai
    raw = io.BytesIO()
    image.save(raw, format="JPEG", exif=exif)
    assert Image.open(io.BytesIO(raw.getvalue())).getexif().get_ifd(0x8825)  # the test photo does carry GPS
    order = make_order(world)
    upload = SimpleUploadedFile("home.jpg", raw.getvalue(), content_type="image/jpeg")
    assert client_for(world.agent_a).post(f"/api/workorders/{order.public_id}/attachments",
                                          {"file": upload}).status_code == 201
    stored = Attachment.objects.get()
    download = client_for(world.agent_a).get(f"/orders/{order.public_id}/attachments/{stored.public_id}/")
    data = b"".join(download.streaming_content)
    kept = Image.open(io.BytesIO(data)).getexif()
    assert not kept.get_ifd(0x8825) and 0x010F not in kept and b"PhoneMaker" not in data


def test_case_17_markup_in_a_printed_order_is_drawn_as_text_and_fetches_nothing(world):
    from pypdf import PdfReader

    from anxin.field.pdf import workorder_pdf

    order = make_order(world, title='<img src="http://127.0.0.1:9/steal">',
                       description='<iframe src="file:///etc/passwd"></iframe> <a href="javascript:alert(1)">x</a>')
    pdf = workorder_pdf(order=order, viewer=fresh(world.agent_a))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "<img" in text and "127.0.0.1" in text  # shown as the customer typed it
    assert b"/URI" not in pdf and b"/Launch" not in pdf and b"/JavaScript" not in pdf


def test_case_7_a_javascript_url_in_a_name_or_address_stays_text_on_the_board_and_in_the_export(world, client_for):
    from openpyxl import load_workbook

    from anxin.customers import services as customer_services
    from anxin.devtools.testing.field import build_field, repair_order, tomorrow_at
    from anxin.field.services import assignments

    build_field(world)
    customer = customer_services.customer_create(
        actor=world.agent_a, site=world.site_a, name="javascript:alert(1)", contacts=[{"phone": "13700007777"}],
        address_text='<a href="javascript:alert(2)">张杨路1号</a>')
    order = repair_order(world, customer=customer, title="javascript:alert(3)")
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9), actor=world.dispatcher_a,
                                  override_reason="测试")
    day = tomorrow_at(9).date().isoformat()
    board = client_for(world.dispatcher_a).get(f"/field/board/?site={world.site_a.code}&day={day}").content.decode()
    queue = client_for(world.agent_a).get("/orders/").content.decode()
    detail = client_for(world.agent_a).get(f"/orders/{order.public_id}/").content.decode()
    assert order.number in board and "javascript:alert(1)" in queue and "javascript:alert(3)" in detail  # shown …
    for page in (board, queue, detail):  # … never as a link
        assert not re.search(r"""(href|src|action|formaction)\s*=\s*["']?\s*javascript:""", page, re.I)
        assert '<a href="javascript' not in page
    export = client_for(world.manager).get("/orders/export/")
    book = load_workbook(io.BytesIO(b"".join(export.streaming_content) if export.streaming else export.content))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert any(c.value == "javascript:alert(3)" for c in cells) and not any(c.hyperlink for c in cells)


def test_case_23_a_20k_character_url_in_a_mail_is_filed_bounded(world, settings):
    from email.message import EmailMessage

    from anxin.mailintake import services

    settings.MAIL_ADDRESS, settings.MAIL_SITE = "service@anxin.example", "SA"
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "李四 <lisi@example.cn>", "service@anxin.example", "门禁坏了"
    msg["Message-ID"] = "<long-url@example.cn>"
    msg.set_content("请看 https://example.cn/" + "a" * 20_000 + "?q=" + "(.*)+" * 500 + " 谢谢")
    row = services.mail_ingest(raw=msg.as_bytes())
    assert row.work_order is not None and len(row.work_order.description) <= 5000


def test_case_33_an_ordering_parameter_is_ignored_not_an_oracle(world, client_for):
    make_order(world, title="甲")
    make_order(world, title="乙")
    for user, url in ((world.agent_a, "/api/workorders/"), (world.tech_a, "/api/customers/"),
                      (world.agent_a, "/api/customers/")):
        client = client_for(user)
        plain = client.get(url)
        for ordering in ("contacts__phone", "-contacts__phone", "password", "owner__password", "'; DROP TABLE x; --"):
            response = client.get(url, {"ordering": ordering})
            assert response.status_code == plain.status_code and response.json() == plain.json(), (url, ordering)


def test_case_37_a_forged_host_is_refused_and_mail_links_use_the_configured_site(world, client, settings):
    from django.core import mail

    settings.ALLOWED_HOSTS = ["kefu.example.cn"]
    settings.SITE_URL = "https://kefu.example.cn"
    world.agent_a.email = "agent_a@example.cn"
    world.agent_a.save()
    assert client.get("/accounts/login/", HTTP_HOST="evil.example").status_code == 400
    assert client.post("/accounts/password/reset/", {"email": world.agent_a.email},
                       HTTP_HOST="evil.example").status_code == 400
    assert client.get("/accounts/login/", HTTP_HOST="kefu.example.cn",
                      HTTP_X_FORWARDED_HOST="evil.example").status_code == 200
    client.post("/accounts/password/reset/", {"email": world.agent_a.email}, HTTP_HOST="kefu.example.cn",
                HTTP_X_FORWARDED_HOST="evil.example")
    assert mail.outbox, "the reset mail was sent"
    assert "evil.example" not in mail.outbox[-1].body and "https://kefu.example.cn/" in mail.outbox[-1].body


def test_case_44_search_equals_the_database_after_many_changes(world):
    """Derived data after bulk change: sampled words find exactly the orders whose text holds them."""
    from anxin.search.selectors import matching_ids
    from anxin.workorders import services as wo
    from anxin.workorders.models import WorkOrder

    words = ["漏水", "跳闸", "门禁", "空调", "燃气"]
    orders = [make_order(world, title=f"{words[i % 5]}报修{i}", description=f"第{i}号") for i in range(60)]
    agent = fresh(world.agent_a)
    for i, order in enumerate(orders[:40]):  # change a third twice, the rest once
        wo.workorder_update(order=order, actor=agent, data={"title": f"{words[(i + 2) % 5]}复查{i}"})
        if i % 3 == 0:
            order.refresh_from_db()
            wo.workorder_update(order=order, actor=agent, data={"description": f"后来又{words[(i + 4) % 5]}"})
    for word in words:
        expected = set(WorkOrder.objects.filter(site=world.site_a, title__contains=word).values_list("id", flat=True))
        expected |= set(WorkOrder.objects.filter(site=world.site_a, description__contains=word)
                        .values_list("id", flat=True))
        assert set(matching_ids(user=agent, query=word, kind="order")) == expected, word


def test_case_3_a_tracking_link_after_the_retention_purge_shows_no_personal_data(world, client):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import time_machine

    from anxin.accounts import services as account_services
    from anxin.accounts.roles import Role
    from anxin.customers import services as customer_services
    from anxin.field.tracking import tracking_path
    from anxin.retention import services
    from anxin.search.selectors import search
    from anxin.workorders import services as wo
    from anxin.workorders.states import Status

    now = datetime(2026, 12, 1, 3, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(now - timedelta(days=6 * 365), tick=False):
        customer = customer_services.customer_create(actor=world.agent_a, site=world.site_a, name="孙老先生",
                                                     contacts=[{"phone": "13911112222"}], address_text="张杨路9号")
        order = make_order(world, customer=customer, title="孙老先生家漏水", description="孙老先生 13911112222")
        for to in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
            order = wo.workorder_transition(order=order, to=to, actor=world.manager)
    link = tracking_path(order)
    assert client.get(link).status_code == 200  # the link works while the order is kept
    dpo = fresh(account_services.user_create(username="dpo9", password="x-Strong-Pass-2026", role=Role.DATA_OFFICER,
                                             org_unit=world.hq))
    with time_machine.travel(now, tick=False):
        batch = services.candidates_propose()
    services.batch_approve(batch=batch, actor=dpo, note="到期")
    page = client.get(link)
    text = page.content.decode()
    assert page.status_code in (200, 404) and "孙老先生" not in text and "13911112222" not in text
    assert not search(user=fresh(world.agent_a), query="孙老先生")  # the index forgot them too


def test_finding_2_control_characters_never_reach_the_database(world, client_for):
    """Issue 13, finding 2: "\\x02" in a title broke every export; a NUL is a 500 on PostgreSQL. Every text input
    (API schemas, form posts, mail) drops C0 controls; tab and line breaks stay."""
    import json

    from anxin.workorders.models import WorkOrder, WorkOrderEvent

    client = client_for(world.agent_a)
    created = client.post("/api/workorders/", content_type="application/json", data=json.dumps({
        "type": "repair", "site": "SA", "title": "水管\x00漏\x02水\x1b", "description": "第一行\n第二行\t完",
        "customer": str(world.customer_a.public_id)}))
    assert created.status_code == 201, created.content
    order = WorkOrder.objects.get()
    assert order.title == "水管漏水" and order.description == "第一行\n第二行\t完"
    posted = client.post(f"/orders/{order.public_id}/notes/", {"body": "已联系\x00业主\x07，明天\r\n上门"})
    assert posted.status_code == 302
    assert order.events.get(type=WorkOrderEvent.Type.NOTE_ADDED).body == "已联系业主，明天\r\n上门"
    assert client_for(world.manager).get("/orders/export/").status_code == 200
