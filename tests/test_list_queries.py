"""Every list page reads a bounded number of queries (docs/CONTRIBUTING.md): the count with a few rows equals the
count with several times as many. The queue, the dispatch board, the counter, the portal and the reports have
their own tests next to them; this file covers the other lists, each grown through its services."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.accounts import services as account_services
from anxin.accounts.roles import Role
from anxin.customers import services as customer_services
from anxin.devtools.testing.field import build_field, repair_order, tomorrow_at
from anxin.devtools.testing.personas import fresh
from anxin.field.services import appointments, assignments, stock
from anxin.intake import services as intake_services
from anxin.knowledge import services as kb_services
from anxin.notifications import services as notification_services
from anxin.revisits import panel_services
from anxin.sla import commitment_services
from anxin.workorders import services as wo_services
from anxin.workorders.states import Status
from anxin.workorders.tests.factories import make_order


def _queries(client, url, shows: str = "") -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert shows in response.content.decode(), f"{url} does not list {shows!r}"
    return len(ctx.captured_queries)


def _flat(client, url, grow, shows, first=2, then=6):
    """Grow the list to `first` rows, count, grow it to `then`, count again: the two counts must be equal, and the
    page must list the last row grown (`shows` % its index, or what `grow` returned)."""
    last = grow(0, first)
    few = _queries(client, url, shows % (first - 1) if shows else last)
    last = grow(first, then)
    many = _queries(client, url, shows % (then - 1) if shows else last)
    assert many <= few, f"{url}: {few} queries with {first} rows, {many} with {then}"


def test_customer_search(world, client_for):
    def grow(a, b):
        for i in range(a, b):
            customer_services.customer_create(actor=world.agent_a, site=world.site_a, name=f"王测试{i}",
                                              contacts=[{"phone": f"1390000{i:04d}", "name": f"王{i}"}],
                                              address_text=f"北京市朝阳区望京街道{i}号")

    _flat(client_for(world.agent_a), "/customers/?q=王测试", grow, "王测试%d")


def test_knowledge_list_and_public_faq(world, client_for, client):
    editor = account_services.user_create(username="ed", password="x" * 12, role=Role.KNOWLEDGE_EDITOR,
                                          org_unit=world.site_a)
    reviewer = account_services.user_create(username="qa", password="x" * 12, role=Role.QA_INSPECTOR,
                                            org_unit=world.site_a)

    def grow(a, b):
        for i in range(a, b):
            article = kb_services.article_create(actor=editor, data={"title": f"漏水处理{i}", "body": "<p>关阀门</p>",
                                                                     "audience": "faq"})
            kb_services.article_review(article=article, actor=reviewer)
            kb_services.article_publish(article=article, actor=reviewer)

    _flat(client_for(world.agent_a), "/kb/", grow, "漏水处理%d")
    client.logout()
    few = _queries(client, "/faq/", "漏水处理5")
    grow(6, 12)
    assert _queries(client, "/faq/", "漏水处理11") <= few


def test_inbox(world, client_for):
    def grow(a, b):
        for i in range(a, b):
            notification_services.notify(recipients=[world.agent_a], kind="test", subject=f"提醒{i}",
                                         dedupe_key=f"list-queries:{i}", url="/orders/")

    _flat(client_for(world.agent_a), "/notifications/", grow, "提醒%d")


def test_commitments(world, client_for):
    def grow(a, b):
        for i in range(a, b):
            commitment_services.commitment_make(order=make_order(world, title=f"回电{i}"), actor=world.agent_a,
                                                description=f"30 分钟内回电{i}")

    _flat(client_for(world.agent_a), "/sla/commitments/", grow, "30 分钟内回电%d")


def test_api_tokens(world, client_for):
    def grow(a, b):
        for i in range(a, b):
            account_services.api_token_create(user=world.agent_a, name=f"集成{i}")

    _flat(client_for(world.agent_a), "/accounts/tokens/", grow, "集成%d")


def test_revisit_panels(world, client_for):
    panel = panel_services.panel_create(name="客户小组", site=world.site_a, actor=world.manager)

    def grow(a, b):
        for i in range(a, b):
            customer = customer_services.customer_create(actor=world.agent_a, site=world.site_a, name=f"组员{i}",
                                                         contacts=[{"phone": f"1370000{i:04d}"}])
            panel_services.panel_add(panel=panel, customer=customer, actor=world.manager)

    _flat(client_for(world.manager), f"/revisits/panels/{panel.pk}/", grow, "组员%d")


def test_revisit_list(world, client_for):
    from anxin.revisits import services as revisit_services

    def grow(a, b):
        for i in range(a, b):
            order = make_order(world, title=f"回访{i}")
            for to in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.RESOLVED):
                order = wo_services.workorder_transition(order=order, to=to, actor=world.manager)
        revisit_services.revisits_schedule()

    _flat(client_for(world.agent_a), "/revisits/", grow, "回访%d")


@pytest.mark.parametrize("page", ["my", "warehouse"])
def test_technician_day_and_warehouse(world, client_for, page):
    fw = build_field(world)

    def grow(a, b):
        for i in range(a, b):
            order = repair_order(world, title=f"维修{i}")
            start = tomorrow_at(8) + timedelta(minutes=50 * i)
            appointments.appointment_set(order=order, actor=fresh(world.agent_a), window_from=start,
                                         window_to=start + timedelta(hours=2), agreed_with="王芳")
            assignments.assignment_create(order=order, technician=world.tech_a, start=start,
                                          actor=fresh(world.dispatcher_a), override_reason="测试")
            if page == "warehouse":
                from anxin.field.services import visits

                visits.visit_arrive(order=order, actor=fresh(world.tech_a))
                stock.material_requisition_create(order=order, actor=fresh(world.tech_a), warehouse=fw.warehouse,
                                                  lines=[(fw.valve, 1)])
        return order.number

    if page == "my":
        _flat(client_for(world.tech_a), f"/field/my/?day={tomorrow_at(0).date().isoformat()}", grow, "维修%d")
    else:
        _flat(client_for(world.warehouse_a), "/field/warehouse/", grow, "")


def test_daily_register(world, client_for):
    def grow(a, b):
        for i in range(a, b):
            intake_services.contactlog_create(actor=world.agent_a, site=world.site_a, category="general",
                                              content=f"咨询物业费缴纳方式{i}", customer=world.customer_a)

    day = timezone.localdate().isoformat()
    _flat(client_for(world.manager), f"/reports/register/?agent=agent_a&since={day}&until={day}", grow,
          "咨询物业费缴纳方式%d")


def test_customer_archive_history(world, client_for):
    def grow(a, b):
        for i in range(a, b):
            order = make_order(world, title=f"档案记录{i}")
        return order.number

    _flat(client_for(world.agent_a), f"/customers/{world.customer_a.public_id}/", grow, "")
