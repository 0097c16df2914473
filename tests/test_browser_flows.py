"""Main user flows in a real browser: Playwright driving Debian's Chromium (no browser download)."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("ANXIN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
                                reason="Chromium not installed (.ci/run installs it)")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic"])
        yield browser
        browser.close()


@pytest.mark.django_db(transaction=True)
def test_agent_logs_an_unknown_caller_creates_customer_and_order_and_moves_it(live_server, browser):
    from anxin.core.testing.personas import PASSWORD, build_world
    from anxin.workorders.models import WorkOrder

    build_world()
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10000)
    # the agent logs in
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "agent_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/orders/")
    # a call from an unknown number
    page.click("text=新来电")
    page.fill("#lookup-phone", "139 1234 5678")
    page.click("text=查询")
    page.wait_for_selector("text=陌生号码")
    # create the customer from the call screen
    page.click("#new-customer")
    page.fill("#id_name", "周杰")
    page.fill("#id_address_text", "上海市浦东新区张杨路200号2栋302室")
    page.click("button[type=submit]")
    page.wait_for_selector("#caller-archive")
    assert "周杰" in page.inner_text("#caller-archive")
    # log the call and create a repair order in one step
    page.select_option("#id_category", "install_repair")
    page.fill("#id_fault_symptom", "卫生间漏水")
    page.fill("#id_content", "卫生间天花板漏水，楼上可能水管破裂")
    page.fill("#id_order_title", "卫生间天花板漏水")
    page.click("#log-and-order")
    page.wait_for_selector("#order-status")
    number = page.inner_text("h1").split()[0]
    assert number.startswith("GD")
    # find it in the queue
    page.click("text=工单")
    page.fill("#id_q", number)
    page.press("#id_q", "Enter")
    page.wait_for_selector(f"#queue-table >> text={number}")
    page.click(f"#queue-table >> text={number}")
    # move it one state on (htmx swaps the order region in place)
    page.click("#actions button[value=accepted]")
    page.wait_for_selector("#order-status:has-text('已受理')")
    page.screenshot(path=os.environ.get("ANXIN_SCREENSHOT", "/tmp/anxin-order.png"), full_page=True)
    order = WorkOrder.objects.get(number=number)
    assert order.status == "accepted" and order.customer.name == "周杰"
    assert order.customer.contacts.get().phone == "+8613912345678"
    assert order.contact_logs.count() == 1


@pytest.mark.django_db(transaction=True)
def test_agent_sees_the_promise_clock_makes_a_callback_promise_and_keeps_it(live_server, browser):
    from datetime import timedelta

    from anxin.core.testing.personas import PASSWORD, build_world
    from anxin.sla import services as sla_services
    from anxin.sla.models import Commitment, Metric, SlaPolicy
    from anxin.workorders.tests.factories import make_order

    world = build_world()
    SlaPolicy.objects.create(name="响应", metric=Metric.FIRST_RESPONSE, target_minutes=60, clock="24x7")
    order = make_order(world, title="阳台漏水")
    sla_services.sweep(lag=timedelta(0))
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "agent_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/orders/")
    page.goto(f"{live_server.url}/orders/{order.public_id}/")
    # the promises panel arrives by htmx (CSP allows only our own scripts)
    page.wait_for_selector("#clocks >> text=首次响应")
    assert "剩余" in page.inner_text("#clocks")
    page.fill("#id_description", "30 分钟内回电告知师傅上门时间")
    page.click("text=作出承诺")
    page.wait_for_selector("#order-commitments >> text=30 分钟内回电")
    page.click("text=我的承诺")
    page.wait_for_selector("#commitments >> text=30 分钟内回电")
    page.click("#commitments button[value=kept]")
    page.wait_for_selector("text=没有未完成的承诺")
    assert Commitment.objects.get().outcome == "kept"


@pytest.mark.django_db(transaction=True)
def test_customer_rates_a_closed_order_on_a_phone(live_server, browser, settings):
    from anxin.core.signing import rating_token
    from anxin.core.testing.personas import build_world
    from anxin.revisits.models import SelfRating
    from anxin.workorders import services
    from anxin.workorders.states import Status
    from anxin.workorders.tests.factories import make_order

    world = build_world()
    order = make_order(world)
    for to in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
        order = services.workorder_transition(order=order, to=to, actor=world.manager)
    page = browser.new_page(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True)
    page.set_default_timeout(10000)
    url = f"{live_server.url}/rate/{rating_token(order.public_id)}/"
    page.goto(url)
    # one-handed on a 375-px screen: the form fits the width
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for field, value in (("overall", "5"), ("timeliness", "4"), ("attitude", "5"), ("quality", "5")):
        page.check(f"input[name={field}][value='{value}']")
    page.fill("textarea[name=comment]", "师傅很专业")
    page.click("button[type=submit]")
    page.wait_for_selector("#rating-message:has-text('感谢您的评价')")
    # the same link again: already rated, nothing changes
    page.goto(url)
    for field in ("overall", "timeliness", "attitude", "quality"):
        page.check(f"input[name={field}][value='1']")
    page.click("button[type=submit]")
    page.wait_for_selector("#rating-message:has-text('已经评价过')")
    assert SelfRating.objects.get().overall == 5


@pytest.mark.django_db(transaction=True)
def test_complaint_officer_records_routes_proposes_and_confirms(live_server, browser):
    from datetime import timedelta

    from django.utils import timezone

    from anxin.accounts import services as account_services
    from anxin.accounts.roles import Role
    from anxin.core.testing.personas import PASSWORD, build_world
    from anxin.workorders import services
    from anxin.workorders.states import Status
    from anxin.workorders.tests.factories import make_order

    world = build_world()
    account_services.user_create(username="officer_a", password=PASSWORD, role=Role.COMPLAINT_OFFICER,
                                 org_unit=world.site_a, display_name="孙专员")
    order = make_order(world, type="complaint", title="师傅态度差")
    for to in (Status.ACCEPTED, Status.INVESTIGATING):
        order = services.workorder_transition(order=order, to=to, actor=world.manager)
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "officer_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/orders/")
    page.goto(f"{live_server.url}/orders/{order.public_id}/")
    page.click("#complaint-link")
    page.fill("#id_what_happened", "维修师傅与客户争吵")
    page.fill("#id_customer_wants", "书面道歉")
    page.select_option("#id_category", "attitude")
    page.check("#id_media_threat")
    page.click("form:has(input[value=details]) button[type=submit]")
    page.wait_for_selector("h1 .badge:has-text('重大')")
    page.select_option("#id_owner", "officer_a")
    page.fill("#id_expected_resolution_on", str(timezone.localdate() + timedelta(days=2)))
    page.click("form:has(input[value=route]) button[type=submit]")
    page.wait_for_selector("#order-owner:has-text('孙专员')")
    page.click("#complaint-link")
    page.select_option("#id_kind", "apology")
    page.fill("#id_measures", "公司出具书面道歉并对师傅进行培训")
    page.click("text=提出方案")
    page.wait_for_selector("#rounds >> text=已批准")
    page.fill("#rounds input[name=confirmed_by]", "王芳")
    page.click("#rounds button[value=yes]")
    page.wait_for_selector("#rounds >> text=客户同意")
    order.refresh_from_db()
    assert order.status == Status.RESOLVED
