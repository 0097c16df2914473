"""Main user flows in a real browser: Playwright driving Debian's Chromium (no browser download)."""

import os
import shutil

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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
        # while Playwright's loop runs, Django's connections are context-local: the one this test's own queries
        # opened is closed here, or it outlives the test database (PostgreSQL then refuses to drop it)
        from django.db import connections

        connections.close_all()


def _login(page, base, username):
    from anxin.devtools.testing.personas import PASSWORD

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/orders/")


@pytest.mark.django_db(transaction=True)
def test_agent_logs_an_unknown_caller_creates_customer_and_order_and_moves_it(live_server, browser):
    from anxin.devtools.testing.personas import build_world
    from anxin.workorders.models import WorkOrder

    build_world()
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10000)
    # the agent logs in
    _login(page, live_server.url, "agent_a")
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

    from anxin.devtools.testing.personas import build_world
    from anxin.sla import services as sla_services
    from anxin.sla.models import Commitment, Metric, SlaPolicy
    from anxin.workorders.tests.factories import make_order

    world = build_world()
    SlaPolicy.objects.create(name="响应", metric=Metric.FIRST_RESPONSE, target_minutes=60, clock="24x7")
    order = make_order(world, title="阳台漏水")
    sla_services.sweep(lag=timedelta(0))
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10000)
    _login(page, live_server.url, "agent_a")
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
    from anxin.devtools.testing.personas import build_world
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
    # each aspect is a row of five big buttons for a thumb
    box = page.locator("#score-overall label.score").nth(4).bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    for field, value in (("overall", "5"), ("timeliness", "4"), ("attitude", "5"), ("quality", "5")):
        page.click(f"#score-{field} label.score:has-text('{value}')")
    assert page.is_checked("input[name=timeliness][value='4']")
    page.screenshot(path="/tmp/anxin-rate.png", full_page=True)
    page.fill("textarea[name=comment]", "师傅很专业")
    page.click("button[type=submit]")
    page.wait_for_selector("#rating-message:has-text('感谢您的评价')")
    # the same link again says at once that it was used: no form to fill in again
    page.goto(url)
    page.wait_for_selector("#rating-message:has-text('已经评价过')")
    assert page.locator("form input[name=overall]").count() == 0
    assert SelfRating.objects.get().overall == 5


@pytest.mark.django_db(transaction=True)
def test_complaint_officer_records_routes_proposes_and_confirms(live_server, browser):
    from datetime import timedelta

    from django.utils import timezone

    from anxin.accounts import services as account_services
    from anxin.accounts.roles import Role
    from anxin.devtools.testing.personas import PASSWORD, build_world
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
    _login(page, live_server.url, "officer_a")
    page.goto(f"{live_server.url}/orders/{order.public_id}/")
    page.click("#complaint-link")
    page.fill("#id_what_happened", "维修师傅与客户争吵")
    page.fill("#id_customer_wants", "书面道歉")
    page.select_option("#id_category", "attitude")
    page.check("#id_media_threat")
    page.click("form[action$=\"/steps/details/\"] button[type=submit]")
    page.wait_for_selector("h1 .badge:has-text('重大')")
    page.select_option("#id_owner", "officer_a")
    page.fill("#id_expected_resolution_on", str(timezone.localdate() + timedelta(days=2)))
    page.click("form[action$=\"/steps/route/\"] button[type=submit]")
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


@pytest.mark.django_db(transaction=True)
def test_dispatcher_proposes_a_plan_and_accepts_it(live_server, browser):
    from anxin.devtools.testing.field import build_field, repair_order, tomorrow_at
    from anxin.devtools.testing.personas import build_world, fresh
    from anxin.field.models import Assignment
    from anxin.field.services import appointments

    world = build_world()
    build_field(world)
    for i in range(3):
        order = repair_order(world, title=f"漏水{i}")
        appointments.appointment_set(order=order, actor=fresh(world.agent_a), window_from=tomorrow_at(9 + 2 * i),
                                     window_to=tomorrow_at(11 + 2 * i), agreed_with="王芳")
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(20000)
    _login(page, live_server.url, "dispatcher_a")
    page.click("text=调度看板")
    page.fill("input[name=day]", tomorrow_at(0).date().isoformat())
    page.click("text=显示")
    page.wait_for_selector("#unassigned >> text=漏水2")
    page.click("#propose")
    page.wait_for_selector("#proposal")
    assert page.locator("#proposal input[name=row]").count() == 3
    page.locator("#proposal input[name=row]").nth(2).uncheck()  # the dispatcher keeps one back
    page.click("#accept-plan")
    page.wait_for_selector("text=已派工 2 张工单")
    assert "技术员" in page.inner_text("#register") and page.locator("#register tr").count() == 3
    assert Assignment.objects.filter(source="plan", cancelled_at__isnull=True).count() == 2
    assert page.locator("#unassigned tr").count() == 2  # header + the one kept back
    # the lead glances at the board on a phone: it fits the width, the plan and the technicians' load stay
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.locator("#techs th:visible").count() == 3 and page.is_visible("#propose")


@pytest.mark.django_db(transaction=True)
def test_technician_runs_a_job_on_a_phone_from_arrival_to_signed_acceptance(live_server, browser):
    from anxin.devtools.testing.field import build_field, repair_order, tomorrow_at
    from anxin.devtools.testing.personas import build_world, fresh
    from anxin.field.models import Quote, Signature
    from anxin.field.services import assignments

    world = build_world()
    build_field(world)
    order = repair_order(world)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(20000)
    _login(page, live_server.url, "tech_a")
    page.click("text=我的任务")
    page.goto(f"{live_server.url}/field/my/?day={tomorrow_at(0).date().isoformat()}")
    page.click(f"text={order.number}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    # no signal in the stairwell: the step is clearly not saved, and nothing is lost
    page.locator("#step-visit details summary").click()
    page.fill("#note-left", "门口等候中")
    context.set_offline(True)
    page.click("#arrive")
    page.wait_for_selector("#step-visit .offline-note:visible")
    assert page.input_value("#note-left") == "门口等候中"
    assert order.events.filter(type=301).count() == 0
    context.set_offline(False)
    page.click("#arrive")  # the retry goes through, once
    page.wait_for_selector("#step-inspection")
    assert order.events.filter(type=301).count() == 1

    def sign(pad_id):
        pad = page.locator(f"canvas[data-signature-for={pad_id}]")
        pad.scroll_into_view_if_needed()
        box = pad.bounding_box()
        page.mouse.move(box["x"] + 20, box["y"] + 30)
        page.mouse.down()
        for dx, dy in ((80, 60), (150, 20), (220, 90)):
            page.mouse.move(box["x"] + dx, box["y"] + dy, steps=4)
        page.mouse.up()

    page.check("#step-inspection input[name=ok_1][value=ng]")
    page.fill("#step-inspection input[name=note_1]", "墙面有旧水渍")
    sign("sig-ins")
    page.click("text=保存检查结果")
    page.wait_for_selector("#step-inspection >> text=已登记")
    page.select_option("#price-item", label="工时 · 维修工时费 ¥80.00/小时")
    page.click("text=添加项目")
    page.wait_for_selector("#quote-total:has-text('80.00')")
    page.click("text=估价完成")
    page.wait_for_selector("#quote-approve")
    sign("sig-quote")
    page.click("#quote-approve")
    page.wait_for_selector("text=客户已同意")
    sign("sig-acc")
    page.click("#accept-work")
    page.wait_for_selector("#step-payment")
    page.check("#step-payment input[value=on_site]")
    page.click("#step-payment button")
    page.wait_for_selector("#payment-done")
    page.screenshot(path="/tmp/anxin-phone.png", full_page=True)
    order.refresh_from_db()
    assert order.status == "resolved"
    assert Quote.objects.get(work_order=order).status == "approved"
    assert Signature.objects.filter(work_order=order).count() == 3
    assert order.field_job.payment_method == "on_site" and str(order.field_job.payment_amount) == "80.00"
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_quote_line_is_added_once_across_double_taps_dropped_responses_and_two_tabs(live_server, browser):
    from anxin.devtools.testing.field import build_field, repair_order, tomorrow_at
    from anxin.devtools.testing.personas import build_world, fresh
    from anxin.field.models import Quote
    from anxin.field.services import assignments, visits

    world = build_world()
    build_field(world)
    order = repair_order(world)
    assignments.assignment_create(order=order, technician=world.tech_a, start=tomorrow_at(9, 30), actor=fresh(world.dispatcher_a))
    order.refresh_from_db()
    visits.visit_arrive(order=order, actor=fresh(world.tech_a))
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 812}, has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(20000)
    _login(page, live_server.url, "tech_a")
    url = f"{live_server.url}/field/my/{order.public_id}/"
    page.goto(url)
    page.locator("#step-quote > summary").click()  # the job is at the inspection; open the quote by hand

    def off_list(item, price):
        page.locator("#step-quote details summary").first.click()
        page.fill("#step-quote input[name=description]", item)
        page.fill("#step-quote input[name=unit_price]", price)

    def lines():
        quote = Quote.objects.filter(work_order=order).first()
        return (quote.items.count(), str(quote.total)) if quote else (0, "0")

    # a double tap sends once
    off_list("更换角阀", "180")
    page.fill("#qty", "2")
    page.locator("#step-quote form[data-phone-step=quote_item] button[type=submit]").dblclick()
    page.wait_for_selector("#quote-total:has-text('360.00')")
    assert lines() == (1, "360.00")
    # the server saves but the answer is lost on the way back: "not saved", and the re-send adds nothing
    off_list("密封圈", "5")
    page.fill("#qty", "1")

    def drop_answer(route):
        route.fetch()  # the request reaches the server and is saved …
        route.abort()  # … and the phone never hears back

    def job_page(address):
        return f"/field/my/{order.public_id}/" in address

    page.route(job_page, drop_answer)
    page.locator("#step-quote form[data-phone-step=quote_item] button[type=submit]").click()
    page.wait_for_selector("#step-quote form[data-phone-step=quote_item] .offline-note:visible")
    assert lines() == (2, "365.00")
    page.unroute(job_page)
    page.locator("#step-quote form[data-phone-step=quote_item] button[type=submit]").click()  # signal is back
    page.wait_for_selector("text=此步骤已保存")
    page.wait_for_selector("#quote-total:has-text('365.00')")  # the server's real state
    assert lines() == (2, "365.00")
    # a second tab with the page from before: its line is its own, and it then shows all of them
    def open_quote(tab):
        if not tab.is_visible("#price-item"):
            tab.locator("#step-quote > summary").click()

    other = context.new_page()
    other.goto(url)
    open_quote(other)
    page.reload()
    open_quote(page)
    page.select_option("#price-item", label="工时 · 维修工时费 ¥80.00/小时")
    page.locator("#step-quote form[data-phone-step=quote_item] button[type=submit]").click()
    page.wait_for_selector("#quote-total:has-text('445.00')")
    other.select_option("#price-item", label="工时 · 维修工时费 ¥80.00/小时")
    other.locator("#step-quote form[data-phone-step=quote_item] button[type=submit]").click()
    other.wait_for_selector("#quote-total:has-text('525.00')")
    assert lines() == (4, "525.00")
    assert order.events.filter(type=order.events.model.Type.QUOTE_CHANGED).count() == 4
    page.screenshot(path="/tmp/anxin-quote.png", full_page=True)
    context.close()


def _knowledge(world):
    from anxin.accounts import services as account_services
    from anxin.accounts.roles import Role
    from anxin.knowledge.demo import load_knowledge

    editor = account_services.user_create(username="editor_k", password="x" * 12, role=Role.KNOWLEDGE_EDITOR,
                                          org_unit=world.site_a)
    reviewer = account_services.user_create(username="qa_k", password="x" * 12, role=Role.QA_INSPECTOR,
                                            org_unit=world.site_a)
    load_knowledge(editor=editor, reviewer=reviewer)


@pytest.mark.django_db(transaction=True)
def test_agent_types_a_fault_sees_scripts_and_articles_uses_one_and_it_is_on_the_order(live_server, browser):
    from anxin.devtools.testing.personas import build_world
    from anxin.workorders.models import WorkOrder, WorkOrderEvent

    world = build_world()
    _knowledge(world)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page.set_default_timeout(10000)
    _login(page, live_server.url, "agent_a")
    page.goto(f"{live_server.url}/intake/call/?phone=13800138000")
    page.wait_for_selector("#kb-scripts >> text=开场问候")  # the call's own scripts before anything is typed
    page.select_option("#id_category", "install_repair")
    page.fill("#id_content", "厨房水管漏水，楼下说天花板在滴水")
    page.wait_for_selector("#kb-articles >> text=家里水管漏水了怎么办")  # suggestions while typing (debounced)
    page.click("#kb-articles button:has-text('家里水管漏水了怎么办')")
    page.wait_for_selector("#kb-view >> text=关闭入户总阀门")  # shown beside the form
    page.wait_for_selector("#kb-used")
    page.fill("#id_order_title", "厨房水管漏水")
    page.screenshot(path="/tmp/anxin-call-kb.png", full_page=True)
    page.click("#log-and-order")
    page.wait_for_selector("#order-status")
    page.wait_for_selector("#timeline >> text=使用了知识")
    order = WorkOrder.objects.get(number=page.inner_text("h1").split()[0])
    assert order.events.get(type=WorkOrderEvent.Type.KNOWLEDGE_USED).reason == "家里水管漏水了怎么办？"
    # the order page offers the scripts that fit it, filled from the order
    page.wait_for_selector("#kb-scripts >> text=投诉未超时，客户重复来电")
    page.click("#kb-scripts button:has-text('投诉未超时，客户重复来电')")
    page.wait_for_selector(f"#kb-view >> text=王芳您好，您反映的问题（工单{order.number}）")
    # the queue's text search goes through the index: two words in any order, traditional characters
    page.goto(f"{live_server.url}/orders/?q=漏水+廚房")
    page.wait_for_selector(f"#queue-table >> text={order.number}")


@pytest.mark.django_db(transaction=True)
def test_a_customer_reads_the_faq_on_a_phone_without_signing_in(live_server, browser):
    from anxin.devtools.testing.personas import build_world

    world = build_world()
    _knowledge(world)
    page = browser.new_page(locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page.set_default_timeout(10000)
    page.goto(f"{live_server.url}/faq/")
    page.wait_for_selector("#faq-articles >> text=报修后多久能上门？")
    page.fill("#faq-q", "跳閘")  # traditional characters, as a customer may type them
    page.click("button[type=submit]")
    page.wait_for_selector("#faq-hits >> text=停电或跳闸怎么办")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path="/tmp/anxin-faq.png", full_page=True)
    page.click("#faq-hits a")
    page.wait_for_selector("#faq-title")
    page.click("#faq-vote button[value=yes]")
    page.wait_for_selector("#faq-vote >> text=感谢您的反馈")
    page.screenshot(path="/tmp/anxin-faq-article.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_manager_reads_the_dashboard_charts_render_and_a_bar_opens_the_orders_behind_it(live_server, browser):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from anxin.devtools.testing.personas import build_world, fresh
    from anxin.workorders import services as wo_services

    world = build_world()
    agent = fresh(world.agent_a)
    for day, type in ((3, "repair"), (4, "repair"), (5, "complaint"), (12, "repair")):
        wo_services.workorder_create(actor=agent, type=type, channel="hotline", site=world.site_a, title=f"漏水 {day}",
                                     customer=world.customer_a,
                                     received_at=datetime(2026, 11, day, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10000)
    _login(page, live_server.url, "manager")
    page.click("#reports-link")
    page.fill("#id_since", "2026-11-01")
    page.fill("#id_until", "2026-11-30")
    page.select_option("#id_grain", "month")
    page.click("#report-filters button[type=submit]")
    page.wait_for_selector("[data-chart=by_type][data-rendered]")
    assert page.inner_text("#kpi-orders b") == "4"
    # every chart with data is drawn on its canvas (not an empty box): count the painted pixels
    painted = page.evaluate("""() => Array.from(document.querySelectorAll('[data-rendered] canvas')).map(c => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; })""")
    assert len(painted) == 5 and min(painted) > 500  # volume, type, channel, site, backlog (no promises here)
    # the month's single bar: a click opens the queue with the same filters — the four orders
    box = page.locator("[data-chart=by_bucket]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 10, box["y"] + box["height"] * 0.7)
    page.wait_for_url("**/orders/?received_from=2026-11-01&received_to=2026-11-30")
    assert page.locator("table tr:has-text('漏水')").count() == 4
    # the type table under the chart drills down by type
    page.go_back()
    page.click("#table-by-type >> text=投诉")
    page.wait_for_url("**type=complaint**")
    assert page.locator("table tr:has-text('漏水')").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_customer_signs_in_with_a_code_files_with_a_photo_and_slot_approves_a_quote_and_rates(
        live_server, browser, settings, tmp_path):
    """A5 on a 375-px phone: the code comes from the SMS file backend; the photo is made smaller by the phone."""
    import json
    import re

    from PIL import Image

    from anxin.devtools.testing.field import build_field
    from anxin.devtools.testing.personas import build_world, fresh
    from anxin.field.models import Appointment, PriceItem, Quote
    from anxin.field.services import assignments, quotes
    from anxin.workorders import services as wo
    from anxin.workorders.models import Attachment, WorkOrder
    from anxin.workorders.states import Status

    settings.NOTIFY_LOG_FILE = str(tmp_path / "sms.log")
    world = build_world()
    build_field(world)
    photo = tmp_path / "leak.jpg"
    Image.effect_noise((2400, 1800), 60).convert("RGB").save(photo, quality=95)
    page = browser.new_page(viewport={"width": 375, "height": 812}, locale="zh-CN", is_mobile=True, has_touch=True)
    page.set_default_timeout(10000)
    base = live_server.url
    # sign in: the number, then the code the SMS carried
    page.goto(f"{base}/portal/")
    page.fill("#id_phone", "138 0013 8000")
    page.click("#send-code")
    page.wait_for_selector("#code-sent")
    sms = [json.loads(line) for line in (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()]
    code = re.search(r"\d{6}", sms[-1]["text"]).group(0)
    page.fill("#id_code", code)
    page.click("#verify")
    page.wait_for_selector("#new-repair")
    # file a repair: what, the FAQ answers while typing, a slot from the real capacity, a photo
    page.click("#new-repair")
    page.select_option("#id_category", label="漏水")
    try:
        page.wait_for_selector("#slot-list input[name=slot], #no-slots")
    except PlaywrightTimeout:  # CI once saw no list here: choose again, and if it fails, say what the list showed
        page.locator("#id_category").dispatch_event("change")
        page.wait_for_selector("#slot-list input[name=slot], #no-slots", timeout=20000)
    assert page.locator("#slot-list input[name=slot]").count(), page.inner_text("#slot-list")
    page.fill("#id_description", "厨房水管漏水，水一直在滴")
    page.set_input_files("#id_photos", str(photo))
    page.locator("input[name=slot]").first.check()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path="/tmp/anxin-portal-new.png", full_page=True)
    page.click("#submit-repair")
    page.wait_for_selector("#visit-window")
    order = WorkOrder.objects.get(channel="web")
    assert order.status == Status.SCHEDULED and order.number in page.inner_text("body")
    from anxin.workorders.attachments import attachment_path

    # made smaller on the phone before upload: the server re-encodes but never resizes, so 1600 px came from the page
    with Image.open(attachment_path(Attachment.objects.get(work_order=order))) as stored:
        assert max(stored.size) == 1600
    # the technician comes and quotes; the customer approves on the phone
    tech = fresh(world.tech_a)
    assignments.assignment_create(order=order, technician=world.tech_a, actor=fresh(world.dispatcher_a),
                                  start=Appointment.objects.get(work_order=order, is_current=True).window_from)
    quotes.quote_add_item(order=order, actor=tech, price_item=PriceItem.objects.filter(is_active=True).first(),
                          quantity=1)
    quotes.quote_submit(order=order, actor=tech)
    page.reload()
    page.click("#quote-approve")
    page.wait_for_selector("#public-timeline:has-text('已在网上确认')")
    assert Quote.objects.get(work_order=order).status == Quote.Status.APPROVED
    page.screenshot(path="/tmp/anxin-portal-order.png", full_page=True)
    # done: the order page offers the rating
    order.refresh_from_db()
    for to in (Status.IN_PROGRESS, Status.RESOLVED):
        order = wo.workorder_transition(order=order, to=to, actor=fresh(world.dispatcher_a))
    page.reload()
    page.click("#rate-link")
    page.click("#score-overall label.score:has-text('5')")
    for name in ("timeliness", "attitude", "quality"):
        page.click(f"#score-{name} label.score:has-text('4')")
    page.click("button[type=submit]")
    page.wait_for_selector("#rating-message:has-text('感谢您的评价')")


@pytest.mark.django_db(transaction=True)
def test_walk_in_counter_gives_numbers_calls_appointment_first_and_logs_the_visit(live_server, browser):
    """A4: the reception gives two numbers (one booked), the agent opens a window, calls — the booked customer
    comes first, the hall display sends them to the window — and serves them on the call screen with an order."""
    from anxin.devtools.testing.personas import build_world
    from anxin.intake.models import ContactLog, CounterTicket

    world = build_world()
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10000)
    _login(page, live_server.url, "agent_a")
    page.click("#counter-link")
    page.fill("#id_name", "路人甲")
    page.fill("#id_purpose", "缴费咨询")
    page.click("#take-form button[type=submit]")
    page.wait_for_selector("text=已取号 A001")
    page.fill("#id_phone", "13800138000")
    page.fill("#id_purpose", "预约：热水器报修")
    page.check("#id_has_appointment")
    page.click("#take-form button[type=submit]")
    page.wait_for_selector("text=已取号 Y001")
    page.fill("#label", "1号窗口")
    page.click("text=开启我的窗口")
    page.click("#call-next")
    assert page.inner_text("#current-number") == "Y001"  # the appointment holder first
    display = browser.new_page(locale="zh-CN")
    display.context.add_cookies(page.context.cookies())
    display.goto(f"{live_server.url}/intake/counter/display/?site=SA")
    assert "Y001" in display.inner_text("#board") and "1号窗口" in display.inner_text("#board")
    # numbers only on the hall screen; no window is free, so nobody is asked to get ready yet
    assert "路人甲" not in display.content() and "8000" not in display.content()
    assert "A001" not in display.inner_text(".hall-next")
    page.click("#serve-on-call-screen")
    page.wait_for_selector("#caller-archive")
    page.select_option("#id_category", "install_repair")
    page.fill("#id_content", "热水器不加热")
    page.fill("#id_order_title", "热水器不加热")
    page.click("#log-and-order")
    page.wait_for_selector("#order-status")
    ticket = CounterTicket.objects.get(seq=1, has_appointment=True)
    assert ticket.state == "done" and ticket.contact_log.channel == "walk_in"
    assert ticket.contact_log.customer == world.customer_a and ticket.contact_log.work_order is not None
    page.goto(f"{live_server.url}/intake/counter/")
    page.click("#call-next")
    assert page.inner_text("#current-number") == "A001"
    page.fill("#finish-form textarea", "已说明缴费方式")
    page.click("#finish-form button[type=submit]")
    page.wait_for_selector("text=A001 已办结")
    assert ContactLog.objects.filter(channel="walk_in").count() == 2


@pytest.mark.django_db(transaction=True)
def test_api_docs_render_from_local_files_under_the_csp(live_server, browser):
    """Issue 13: swagger-ui came from a CDN with the CSP switched off; now it renders with no CSP violation."""
    from anxin.devtools.testing.personas import build_world

    build_world()
    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10000)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: problems.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    _login(page, live_server.url, "agent_a")
    problems.clear()
    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".swagger-ui .opblock-tag")
    assert "workorders" in page.inner_text(".swagger-ui") and problems == []


@pytest.mark.django_db(transaction=True)
def test_a_mass_outage_is_confirmed_by_the_lead_and_a_caller_logged_in_one_click(live_server, browser):
    """A11 in Chromium: five reports raise a suspected outage; the dispatcher confirms it on its page; the next
    caller from the area gets the script and is logged as a report with one click."""
    from datetime import timedelta

    from django.utils import timezone

    from anxin.customers import services as customer_services
    from anxin.devtools.testing.personas import build_world
    from anxin.workorders import services
    from anxin.workorders.models import Incident, OutageRule

    world = build_world()
    power = services.category_create(code="power.outage", name="停电", family="field")
    OutageRule.objects.create(category=power, threshold=5, window_minutes=15, area_level="street")
    customers = [customer_services.customer_create(
        actor=world.agent_a, site=world.site_a, name=f"业主{i}", contacts=[{"phone": f"1391234{i:04d}"}],
        address={"district": "浦东新区", "street": "张杨路", "number": f"{i}号"}) for i in range(6)]
    for c in customers[:5]:
        services.workorder_create(actor=world.agent_a, type="repair", channel="hotline", site=world.site_a,
                                  customer=c, category=power, title="停电")
    incident = Incident.objects.get()

    page = browser.new_page(locale="zh-CN")
    page.set_default_timeout(10000)
    _login(page, live_server.url, "dispatcher_a")
    page.click("#incidents-link")
    page.click(f"a[href$='/orders/incidents/{incident.public_id}/']")
    page.wait_for_selector("#incident-status:has-text('疑似')")
    page.fill("#id_cause", "变压器故障")
    eta = timezone.localtime(timezone.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#id_eta", eta)
    page.click("#confirm")
    page.wait_for_selector("#incident-status:has-text('已确认')")
    assert "共 5 条" in page.locator("#messages").inner_text()  # one message to each of the five customers
    incident.refresh_from_db()
    assert incident.status == "confirmed" and incident.field_order is not None

    agent = browser.new_page(locale="zh-CN")
    agent.set_default_timeout(10000)
    _login(agent, live_server.url, "agent_a")
    agent.goto(f"{live_server.url}/intake/call/?phone=1391234{5:04d}")
    banner = agent.locator(f"#incident-{incident.public_id}")
    assert "变压器故障" in banner.inner_text()
    banner.locator("button.incident-log").click()
    agent.wait_for_selector(".messages >> text=张杨路")
    assert incident.reports.count() == 6


@pytest.mark.django_db(transaction=True)
def test_a_deletion_request_from_the_archive_is_approved_by_the_data_officer(live_server, browser):
    """B4 in Chromium: the desk sends a customer's deletion request for review; a data officer approves it and
    the archive no longer holds the name or the phone."""
    from anxin.accounts import services as account_services
    from anxin.accounts.roles import Role
    from anxin.devtools.testing.personas import PASSWORD, build_world

    world = build_world()
    account_services.user_create(username="dpo_a", password=PASSWORD, role=Role.DATA_OFFICER, org_unit=world.hq,
                                 display_name="钱数据")
    customer = world.customer_b
    desk = browser.new_page(locale="zh-CN")
    desk.set_default_timeout(10000)
    _login(desk, live_server.url, "agent_b")
    desk.goto(f"{live_server.url}/customers/{customer.public_id}/")
    desk.fill("#deletion-reason", "客户 12-06 来电要求删除个人信息")
    desk.click("#personal-data button[type=submit]")
    desk.wait_for_selector(".messages >> text=等待数据保护专员审核")

    officer = browser.new_page(locale="zh-CN")
    officer.set_default_timeout(10000)
    _login(officer, live_server.url, "dpo_a")
    officer.click("#retention-link")
    officer.click("#batches a")
    officer.fill("#id_note", "已核实身份")
    officer.click("#approve")
    officer.wait_for_selector("#batch-status:has-text('已清除')")
    customer.refresh_from_db()
    assert customer.name.startswith("已清除") and not customer.contacts.exists()
