"""The customer portal end to end over HTTP (Django's client) and through its services: sign-in by SMS code, filing
with photos and a slot, the customer's own orders, tracking without sign-in — and every bad input the issue names."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from anxin.core.errors import DomainError
from anxin.customers.models import Customer
from anxin.devtools.testing.field import build_field
from anxin.devtools.testing.personas import fresh
from anxin.field.models import Appointment, Quote
from anxin.field.services import appointments, assignments, quotes, visits
from anxin.notifications.models import Notification
from anxin.portal import services, slots
from anxin.portal.models import LoginCode
from anxin.workorders.models import Attachment, WorkOrder, WorkOrderEvent
from anxin.workorders.states import Status

E = WorkOrderEvent.Type
PHONE_A = "+8613800138000"  # world.customer_a's mobile
STRANGER = "+8613700137000"  # in nobody's archive


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, format="JPEG")
    return out.getvalue()


def last_code(phone: str) -> str:
    sms = Notification.objects.filter(to_address=phone, kind="portal_code").order_by("-id").first()
    return re.search(r"\d{6}", sms.subject).group(0)


def sign_in(client, phone: str) -> None:
    client.post("/portal/login/", {"step": "phone", "phone": phone})
    response = client.post("/portal/login/", {"step": "verify", "phone": phone, "code": last_code(phone)})
    assert response.status_code == 302


@pytest.fixture
def fw(world):
    return build_field(world)


@pytest.fixture
def slot_key(world, fw):
    offered = slots.free_slots(site=world.site_a, job_type=fw.leak)
    assert offered, "the plumber of site A must offer slots"
    return offered[0].key


def file_repair(client, world, **extra):
    data = {"category": world.category.pk, "description": "厨房水管漏水，水一直在滴", "address": str(world.customer_a.pk),
            "token": extra.pop("token", "tok-1"), **extra}
    return client.post("/portal/new/", data)


# --- sign-in ---------------------------------------------------------------------------------------------

def test_code_signs_in_once_and_the_answer_hides_whether_the_number_is_known(client, world):
    known = client.post("/portal/login/", {"step": "phone", "phone": "13800138000"})
    unknown = client.post("/portal/login/", {"step": "phone", "phone": "13700137000"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'value="[^"]*"|1[37]\d{9}|\+86\d+', "", r.content.decode())  # noqa: E731
    assert strip(known) == strip(unknown)
    assert Notification.objects.filter(to_address=PHONE_A, kind="portal_code").count() == 1
    code = last_code(PHONE_A)
    assert LoginCode.objects.get(phone=PHONE_A).code_hash != code  # only an HMAC is stored
    assert client.post("/portal/login/", {"step": "verify", "phone": "13800138000", "code": code}).status_code == 302
    assert client.get("/portal/").status_code == 200
    client.post("/portal/logout/")
    again = client.post("/portal/login/", {"step": "verify", "phone": "13800138000", "code": code})
    assert again.status_code == 400 and "验证码错误或已过期" in again.content.decode()  # single use


def test_forged_expired_and_guessed_codes_fail_alike(db, world):
    services.code_request(phone_raw="13800138000", ip="1.1.1.1")
    code = last_code(PHONE_A)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(DomainError) as err:
            services.code_verify(phone_raw="13800138000", code=wrong, ip="1.1.1.1")
        assert err.value.code == services.PortalErrorCode.BAD_CODE
    with pytest.raises(DomainError):  # five wrong tries kill the code, even the right one now fails
        services.code_verify(phone_raw="13800138000", code=code, ip="1.1.1.1")
    services.code_request(phone_raw="13800138000", ip="1.1.1.1", now=timezone.now() + timedelta(minutes=2))
    fresh_code = last_code(PHONE_A)
    with pytest.raises(DomainError):  # expired
        services.code_verify(phone_raw="13800138000", code=fresh_code, ip="1.1.1.1",
                             now=timezone.now() + timedelta(minutes=10))
    with pytest.raises(DomainError) as err:
        services.code_request(phone_raw="12345", ip="1.1.1.1")
    assert err.value.extra["field"] == "phone"


def test_twenty_code_requests_for_one_number_are_throttled_with_retry_after(client, world):
    answers = [client.post("/portal/login/", {"step": "phone", "phone": "13800138000"}) for _ in range(20)]
    assert answers[0].status_code == 200
    assert all(a.status_code == 429 and int(a["Retry-After"]) > 0 for a in answers[1:])
    assert Notification.objects.filter(to_address=PHONE_A, kind="portal_code").count() == 1
    # per hour: five codes at most, a minute apart
    now = timezone.now()
    for minute in range(2, 12, 2):
        try:
            services.code_request(phone_raw="13800138000", ip="2.2.2.2", now=now + timedelta(minutes=minute))
        except services.Throttled:
            break
    assert Notification.objects.filter(to_address=PHONE_A, kind="portal_code").count() == 5


def test_many_numbers_from_one_address_are_throttled(db, world, settings):
    settings.PORTAL_CODES_PER_IP_HOUR = 3
    for i in range(3):
        services.code_request(phone_raw=f"1370013700{i}", ip="9.9.9.9")
    with pytest.raises(services.Throttled):
        services.code_request(phone_raw="13700137009", ip="9.9.9.9")


# --- filing ------------------------------------------------------------------------------------------------

def test_filing_with_photo_and_slot_makes_one_scheduled_order(client, world, fw, slot_key):
    sign_in(client, PHONE_A)
    photo = SimpleUploadedFile("leak.jpg", jpeg(), content_type="image/jpeg")
    response = file_repair(client, world, slot=slot_key, photos=[photo])
    assert response.status_code == 302
    order = WorkOrder.objects.get(channel="web")
    assert order.customer == world.customer_a and order.status == Status.SCHEDULED and order.type == "repair"
    booked = Appointment.objects.get(work_order=order, is_current=True)
    assert booked.window_from == slots.slot_from_key(slot_key)[0]
    assert booked.agreed_with == "王芳（在线）"  # the desk reads who agreed, in Chinese
    assert Attachment.objects.filter(work_order=order, is_public=True).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert order.number in page and "已预约" in page and 'id="visit-window"' in page
    listed = client.get("/portal/").content.decode()
    assert order.number in listed and "上门" in listed
    # the same form sent again (double tap, retry after a timeout): still one order
    again = file_repair(client, world, slot=slot_key, photos=[SimpleUploadedFile("leak.jpg", jpeg())])
    assert again.status_code == 302 and WorkOrder.objects.filter(channel="web").count() == 1


def test_a_new_number_files_with_a_new_address(client, world, fw):
    sign_in(client, STRANGER)
    response = file_repair(client, world, address="new", new_name="赵敏", new_site=world.site_a.pk,
                           new_address="上海市浦东新区张杨路200号1栋101室")
    assert response.status_code == 302
    customer = Customer.objects.get(contacts__phone=STRANGER)
    assert customer.name == "赵敏" and customer.site == world.site_a
    missing = file_repair(client, world, address="new", token="tok-2")
    assert missing.status_code == 400 and "新地址需要填写" in missing.content.decode()


def test_a_slot_taken_a_second_earlier_creates_nothing_and_offers_the_next(db, world, fw, slot_key):
    first = services.repair_file(phone=PHONE_A, category=world.category, description="厨房水管漏水",
                                 customer_id=world.customer_a.pk, slot_key=slot_key, idempotency_key="a")
    first.refresh_from_db()
    assert first.status == Status.SCHEDULED
    orders, customers = WorkOrder.objects.count(), Customer.objects.count()
    with pytest.raises(DomainError) as err:  # one plumber, 120 minutes: the slot held one 90-minute visit
        services.repair_file(phone=STRANGER, category=world.category, description="卫生间漏水",
                             new_customer={"name": "赵敏", "site": world.site_a, "address": "张杨路200号"},
                             slot_key=slot_key, idempotency_key="b")
    assert err.value.status == 409 and err.value.extra["field"] == "slot"
    assert err.value.extra["next"] and slot_key not in err.value.extra["next"]
    assert (WorkOrder.objects.count(), Customer.objects.count()) == (orders, customers)


def test_slots_follow_the_register_and_the_trade(db, world, fw):
    offered = slots.free_slots(site=world.site_a, job_type=fw.leak)
    window = (offered[0].start, offered[0].end)
    order = services.repair_file(phone=PHONE_A, category=world.category, description="水管漏水",
                                 customer_id=world.customer_a.pk, idempotency_key="c")
    appointments.appointment_set(order=order, actor=fresh(world.agent_a), window_from=window[0], window_to=window[1],
                                 agreed_with="王芳")
    assignments.assignment_create(order=order, technician=world.tech_a, start=window[0], actor=fresh(world.dispatcher_a))
    assert not slots.slot_is_free(site=world.site_a, job_type=fw.leak, window=window)
    assert slots.free_slots(site=world.site_b, job_type=fw.leak) == []  # nobody of that trade there
    assert slots.slot_from_key("202612050900") is None and slots.slot_from_key("<script>") is None


def test_bad_photos_get_a_clear_answer_and_no_order(client, world, fw, settings):
    settings.ATTACHMENT_MAX_BYTES = 200_000
    sign_in(client, PHONE_A)
    html = SimpleUploadedFile("x.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    response = file_repair(client, world, photos=[html])
    assert response.status_code == 400 and "只能上传" in response.content.decode()
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * 300_000, content_type="image/jpeg")
    response = file_repair(client, world, photos=[big], token="t2")
    assert response.status_code == 400 and "文件过大" in response.content.decode()
    pdf = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 hello", content_type="application/pdf")
    response = file_repair(client, world, photos=[pdf], token="t4")
    assert response.status_code == 400 and "只能上传照片" in response.content.decode()
    seven = [SimpleUploadedFile(f"{i}.jpg", jpeg()) for i in range(7)]
    response = file_repair(client, world, photos=seven, token="t3")
    assert response.status_code == 400 and "最多 6 张" in response.content.decode()
    assert not WorkOrder.objects.filter(channel="web").exists()


# --- the customer's own orders -------------------------------------------------------------------------------

@pytest.fixture
def web_order(db, world, fw, slot_key):
    return services.repair_file(phone=PHONE_A, category=world.category, description="厨房水管漏水",
                                customer_id=world.customer_a.pk, slot_key=slot_key, idempotency_key="w")


def test_another_customer_sees_nothing_of_my_order(client, world, web_order):
    url = f"/portal/orders/{web_order.public_id}/"
    assert client.get(url).status_code == 302  # not signed in: to the sign-in page
    sign_in(client, "+8613900139000")  # customer B
    assert client.get(url).status_code == 404
    assert client.post(url + "cancel/").status_code == 404
    assert client.post(url + "message/", {"body": "hi"}).status_code == 404
    assert web_order.number not in client.get("/portal/").content.decode()
    web_order.refresh_from_db()
    assert web_order.status == Status.SCHEDULED


def test_another_customer_cannot_move_decide_or_see_slots_of_my_order(client, world, web_order, slot_key):
    url = f"/portal/orders/{web_order.public_id}/"
    sign_in(client, "+8613900139000")  # customer B
    assert client.post(url + "reschedule/", {"slot": slot_key}).status_code == 404
    assert client.post(url + "quote/", {"decision": "approve"}).status_code == 404
    assert client.get(url + "slots/").status_code == 404
    # the slot list for an address that is not theirs says "choose first", it does not read A's site
    page = client.get(f"/portal/new/slots/?category={world.category.pk}&address={world.customer_a.pk}")
    assert 'name="slot"' not in page.content.decode()
    # filing for A's address is refused and writes nothing
    orders = WorkOrder.objects.count()
    with pytest.raises(DomainError):
        services.repair_file(phone="+8613900139000", category=world.category, description="漏水很厉害",
                             customer_id=world.customer_a.pk, idempotency_key="steal")
    assert WorkOrder.objects.count() == orders
    assert Appointment.objects.get(work_order=web_order, is_current=True).window_from == \
        slots.slot_from_key(slot_key)[0]


def test_without_a_live_session_every_page_asks_to_sign_in(client, world, web_order):
    from anxin.portal.views import SESSION_KEY

    for url in ("/portal/", "/portal/new/", "/portal/new/slots/", f"/portal/orders/{web_order.public_id}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/portal/login/"), url
    session = client.session
    session[SESSION_KEY] = {"phone": PHONE_A, "until": 0}  # expired
    session.save()
    assert client.get("/portal/").status_code == 302
    assert client.post(f"/portal/orders/{web_order.public_id}/cancel/").status_code == 302
    web_order.refresh_from_db()
    assert web_order.status == Status.SCHEDULED


def test_the_portal_channel_account_cannot_sign_in(client, world, web_order):
    actor = services.portal_actor()
    assert not actor.has_usable_password() and not actor.is_staff
    for password in ("", "portal", "anxin-demo-2026"):
        client.post("/accounts/login/", {"username": "portal", "password": password})
        assert "_auth_user_id" not in client.session


def test_cancel_before_dispatch_only(client, world, web_order):
    sign_in(client, PHONE_A)
    url = f"/portal/orders/{web_order.public_id}/"
    assignments.assignment_create(order=web_order, technician=world.tech_a,
                                  start=Appointment.objects.get(work_order=web_order, is_current=True).window_from,
                                  actor=fresh(world.dispatcher_a))
    refused = client.post(url + "cancel/", {"reason": "不需要了"})
    assert refused.status_code == 409 and "请致电" in refused.content.decode()
    other = services.repair_file(phone=PHONE_A, category=world.category, description="阳台漏水",
                                 customer_id=world.customer_a.pk, idempotency_key="x")
    assert client.post(f"/portal/orders/{other.public_id}/cancel/", {"reason": "自己修好了"}).status_code == 302
    other.refresh_from_db()
    assert other.status == Status.CANCELLED


def test_reschedule_moves_the_visit_and_writes_the_timeline(client, world, web_order):
    sign_in(client, PHONE_A)
    old = Appointment.objects.get(work_order=web_order, is_current=True)
    later = [s for s in slots.free_slots(site=world.site_a, job_type=build_field_leak()) if s.start > old.window_from]
    response = client.post(f"/portal/orders/{web_order.public_id}/reschedule/", {"slot": later[0].key})
    assert response.status_code == 302
    new = Appointment.objects.get(work_order=web_order, is_current=True)
    assert new.window_from == later[0].start and new.reason
    assert client.post(f"/portal/orders/{web_order.public_id}/reschedule/", {"slot": "bogus"}).status_code == 400
    Appointment.objects.filter(pk=new.pk).update(window_from=timezone.now() + timedelta(minutes=30))
    too_late = client.post(f"/portal/orders/{web_order.public_id}/reschedule/", {"slot": later[-1].key})
    assert too_late.status_code == 409


def build_field_leak():
    from anxin.field.models import JobType

    return JobType.objects.get(code="leak.fix")


def test_message_reaches_the_owner_and_the_timeline(client, world, web_order):
    assignments.assignment_create(order=web_order, technician=world.tech_a,
                                  start=Appointment.objects.get(work_order=web_order, is_current=True).window_from,
                                  actor=fresh(world.dispatcher_a))
    sign_in(client, PHONE_A)
    response = client.post(f"/portal/orders/{web_order.public_id}/message/", {"body": "楼下门禁密码 1234#"},
                           follow=True)
    assert "楼下门禁密码" in response.content.decode()
    event = WorkOrderEvent.objects.get(work_order=web_order, type=E.CUSTOMER_MESSAGE)
    assert event.is_public and event.actor.username == "portal"
    assert Notification.objects.filter(recipient=world.tech_a, kind="customer_message").exists()
    empty = client.post(f"/portal/orders/{web_order.public_id}/message/", {"body": "  "})
    assert empty.status_code == 400


def test_quote_is_decided_online_once(client, world, web_order):
    tech = fresh(world.tech_a)
    assignments.assignment_create(order=web_order, technician=world.tech_a,
                                  start=Appointment.objects.get(work_order=web_order, is_current=True).window_from,
                                  actor=fresh(world.dispatcher_a))
    from anxin.field.models import PriceItem
    item = PriceItem.objects.filter(is_active=True).first()
    quotes.quote_add_item(order=web_order, actor=tech, price_item=item, quantity=1)
    quotes.quote_submit(order=web_order, actor=tech)
    sign_in(client, PHONE_A)
    page = client.get(f"/portal/orders/{web_order.public_id}/").content.decode()
    assert "quote-approve" in page and item.name in page
    assert client.post(f"/portal/orders/{web_order.public_id}/quote/", {"decision": "approve"}).status_code == 302
    assert Quote.objects.get(work_order=web_order).status == Quote.Status.APPROVED
    assert Notification.objects.filter(recipient=world.tech_a, kind="quote_decided").exists()
    assert client.post(f"/portal/orders/{web_order.public_id}/quote/", {"decision": "decline"}).status_code == 409
    assert Quote.objects.get(work_order=web_order).status == Quote.Status.APPROVED


def test_no_internal_text_or_full_phone_reaches_the_customer(client, world, web_order):
    """Every kind of timeline entry, internal and public: only the customer-facing texts show, phones masked."""
    for type_ in E:
        WorkOrderEvent.objects.create(work_order=web_order, type=type_, actor=world.agent_a, reason=f"REASON{type_}",
                                      body=f"SECRET{type_} 工号 13912345678", is_public=False, to_status="accepted")
        WorkOrderEvent.objects.create(work_order=web_order, type=type_, actor=world.agent_a, reason=f"REASON{type_}",
                                      body=f"PUBLIC{type_} 师傅电话 13912345678", is_public=True, to_status="accepted")
    sign_in(client, PHONE_A)
    page = client.get(f"/portal/orders/{web_order.public_id}/").content.decode()
    assert "SECRET" not in page and "REASON" not in page and "13912345678" not in page
    shown = {int(n) for n in re.findall(r"PUBLIC(\d+)", page)}
    assert shown == {E.REPLY_ADDED, E.CUSTOMER_MESSAGE, E.APPOINTMENT_SET, E.NOBODY_HOME, E.QUOTE_DECIDED}
    assert "139****5678" in page
    # the signed tracking link (QR code, /portal/track/) reads the same allow-list
    from anxin.field.tracking import tracking_path

    tracked = client.get(tracking_path(web_order)).content.decode()
    assert "SECRET" not in tracked and "REASON" not in tracked and "13912345678" not in tracked
    assert {int(n) for n in re.findall(r"PUBLIC(\d+)", tracked)} == shown


def test_pages_read_a_bounded_number_of_queries(client, world, web_order, django_assert_max_num_queries):
    for i in range(5):
        services.repair_file(phone=PHONE_A, category=world.category, description=f"漏水 {i} 号", idempotency_key=f"q{i}",
                             customer_id=world.customer_a.pk)
    sign_in(client, PHONE_A)
    with django_assert_max_num_queries(8):
        assert client.get("/portal/").status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(f"/portal/orders/{web_order.public_id}/").status_code == 200
    with django_assert_max_num_queries(6) as form:
        assert client.get("/portal/new/").status_code == 200
    # the selects' choices are one plain SELECT each, not a server-side cursor (DECLARE, FETCH, CLOSE on PostgreSQL)
    assert not [q for q in form.captured_queries if q["sql"].startswith(("DECLARE", "FETCH", "CLOSE"))]


def test_the_forms_choices_are_read_once_and_a_change_shows_at_once(client, world, fw, django_assert_max_num_queries):
    from anxin.core import choices
    from anxin.field.models import JobType
    from anxin.workorders.models import Category

    sign_in(client, PHONE_A)
    assert world.category.name in client.get("/portal/new/").content.decode()
    with django_assert_max_num_queries(3) as again:  # session, the customer's addresses, nothing for the selects
        page = client.get("/portal/new/").content.decode()
    assert world.category.name in page and world.site_a.name in page
    assert not [q for q in again.captured_queries if "workorders_category" in q["sql"]]
    # a category set up here shows on the next view (the save clears this process's copy) …
    boiler = Category.objects.create(name="壁挂炉不热", code="boiler")
    JobType.objects.create(name="壁挂炉维修", code="boiler-fix", trade="hvac", category=boiler, standard_minutes=60)
    assert "壁挂炉不热" in client.get("/portal/new/").content.decode()
    # … one switched off behind the form's back (no signal) may still be shown for a minute, but is not filed
    Category.objects.filter(pk=boiler.pk).update(is_active=False)
    assert "壁挂炉不热" in client.get("/portal/new/").content.decode()
    refused = file_repair(client, world, category=boiler.pk, token="tok-off")
    assert refused.status_code == 400 and not WorkOrder.objects.filter(category=boiler).exists()
    choices._remembered["portal.categories"] = (0.0, choices._remembered["portal.categories"][1])  # a minute on
    assert "壁挂炉不热" not in client.get("/portal/new/").content.decode()


# --- tracking without signing in ---------------------------------------------------------------------------------

def test_track_by_number_and_last_four(client, world, web_order):
    right = client.post("/portal/track/", {"number": web_order.number, "last4": "8000"})
    assert right.status_code == 302 and "/t/" in right["Location"]
    wrong_tail = client.post("/portal/track/", {"number": web_order.number, "last4": "1234"})
    no_such = client.post("/portal/track/", {"number": "GD20000101-9999", "last4": "1234"})
    assert wrong_tail.status_code == no_such.status_code == 404
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.content.decode())  # noqa: E731
    assert strip(wrong_tail) == strip(no_such)


def test_guessing_the_tail_500_times_is_stopped(client, world, web_order, settings):
    settings.PORTAL_TRACK_PER_IP_HOUR = 1000
    answers = [client.post("/portal/track/", {"number": web_order.number, "last4": f"{i:04d}"}).status_code
               for i in range(0, 500) if i != 8000]
    assert answers[:5] == [404] * 5 and set(answers[5:]) == {429}
    # the right tail is refused too once the number is locked: the lock tells nothing
    assert client.post("/portal/track/", {"number": web_order.number, "last4": "8000"}).status_code == 429


def test_one_address_cannot_sweep_many_numbers(client, world, settings):
    settings.PORTAL_TRACK_PER_IP_HOUR = 3
    codes = [client.post("/portal/track/", {"number": f"GD20261205-000{i}", "last4": "1234"}).status_code
             for i in range(5)]
    assert codes == [404, 404, 404, 429, 429]


def test_portal_is_chinese_first_and_english_on_the_switch(client, world):
    assert "获取验证码" in client.get("/portal/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/portal/login/"})
    english = client.get("/portal/login/").content.decode()
    assert "Send me a code" in english and "获取验证码" not in english



def test_the_code_is_sent_at_once_not_at_the_workers_next_round(db, world, settings, tmp_path,
                                                               django_capture_on_commit_callbacks):
    settings.NOTIFY_LOG_FILE = str(tmp_path / "sms.log")
    with django_capture_on_commit_callbacks(execute=True):
        services.code_request(phone_raw="13800138000", ip="1.1.1.1")
    sms = Notification.objects.get(to_address=PHONE_A, kind="portal_code")
    assert sms.state == Notification.State.SENT
    assert last_code(PHONE_A) in (tmp_path / "sms.log").read_text(encoding="utf-8")


# --- milestone messages (I1) ---------------------------------------------------------------------------------

def test_on_the_way_and_quote_waiting_reach_the_customer_once_and_are_on_the_timeline(world, web_order):
    tech = fresh(world.tech_a)
    assignments.assignment_create(order=web_order, technician=world.tech_a,
                                  start=Appointment.objects.get(work_order=web_order, is_current=True).window_from,
                                  actor=fresh(world.dispatcher_a))
    visits.visit_travel_start(order=web_order, actor=tech, token="go-1")
    visits.visit_travel_start(order=web_order, actor=tech, token="go-1")  # the phone re-sent the step
    from anxin.field.models import PriceItem
    quotes.quote_add_item(order=web_order, actor=tech, price_item=PriceItem.objects.filter(is_active=True).first(),
                          quantity=1)
    quotes.quote_submit(order=web_order, actor=tech)
    sms = dict(Notification.objects.filter(to_address=PHONE_A, channel="sms").values_list("kind", "subject"))
    assert "tech_a 师傅正在上门途中" in sms["milestone_on_the_way"]
    assert "待您确认" in sms["milestone_quote"] and f"/portal/orders/{web_order.public_id}/" in sms["milestone_quote"]
    told = list(WorkOrderEvent.objects.filter(work_order=web_order, type=E.CUSTOMER_TOLD).values_list("data", flat=True))
    kinds = [d["kind"] for d in told]
    assert kinds.count("milestone_on_the_way") == 1 and kinds.count("milestone_quote") == 1
    assert len(told) == Notification.objects.filter(to_address=PHONE_A, channel="sms").exclude(kind="portal_code").count()


def test_a_milestone_decided_at_night_waits_for_the_morning(db):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from anxin.notifications.services import notify_phone

    shanghai = ZoneInfo("Asia/Shanghai")
    night = datetime(2026, 12, 7, 23, 30, tzinfo=shanghai)
    row = notify_phone(phone=PHONE_A, kind="milestone_x", text="t", dedupe_key="k", now=night, quiet=True)
    assert row.next_attempt_at == datetime(2026, 12, 8, 8, 0, tzinfo=shanghai)
    day = datetime(2026, 12, 7, 10, 0, tzinfo=shanghai)
    assert notify_phone(phone=PHONE_A, kind="milestone_x", text="t", dedupe_key="k2", now=day,
                        quiet=True).next_attempt_at == day


def test_old_codes_and_counts_are_purged(db, world):
    services.code_request(phone_raw="13800138000", ip="1.1.1.1")
    assert services.portal_purge() == {"attempts": 0, "codes": 0}
    assert services.portal_purge(now=timezone.now() + timedelta(days=3)) == {"attempts": 3, "codes": 1}
