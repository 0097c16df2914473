"""A11 mass outages end to end through the services, and the bad input issue 12 names."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from anxin.core.errors import DomainError, PermissionDeniedError
from anxin.customers import services as customer_services
from anxin.devtools.testing.field import build_field, tomorrow_at
from anxin.devtools.testing.personas import fresh
from anxin.field import selectors as field_selectors
from anxin.field.services import assignments
from anxin.notifications.models import Notification
from anxin.reports.periods import Period
from anxin.reports.selectors import ReportFilters, volume
from anxin.workorders import incident_services as incidents
from anxin.workorders import services as wo_services
from anxin.workorders.models import Incident, OutageRule, WorkOrder
from anxin.workorders.states import Status

START = timezone.make_aware(timezone.datetime(2026, 12, 8, 19, 0))


@pytest.fixture
def outage(world):
    power = wo_services.category_create(code="power.outage", name="停电", family="field")
    OutageRule.objects.create(category=power, threshold=5, window_minutes=15, area_level="district")
    customers = [customer_services.customer_create(
        actor=world.agent_a, site=world.site_a, name=f"业主{i:02d}",
        contacts=[{"phone": f"1391234{i:04d}", "kind": "mobile"}],
        address={"province": "上海市", "city": "上海市", "district": "浦东新区",
                 "street": "张杨路" if i % 2 else "崂山路", "number": f"{i}号"}) for i in range(50)]
    return power, customers


def _report(world, customer, category, at):
    with time_machine.travel(at, tick=False):
        return wo_services.workorder_create(actor=world.agent_a, type="repair", channel="hotline", site=world.site_a,
                                            customer=customer, category=category, title="家里停电了")


def _sms(incident, kind):
    return Notification.objects.filter(dedupe_key__startswith=f"incident:{incident.pk}:", kind=kind)


def test_fifty_reports_in_ten_minutes_are_one_incident_one_field_job_and_one_message_each(world, outage):
    power, customers = outage
    orders = [_report(world, c, power, START + timedelta(seconds=12 * i)) for i, c in enumerate(customers)]
    incident = Incident.objects.get()
    assert incident.status == "suspected" and incident.district == "浦东新区" and incident.street == ""
    assert WorkOrder.objects.filter(incident=incident).count() == 50  # the first four joined when it was raised
    leads = Notification.objects.filter(kind="incident_suspected", channel="inapp")
    assert {n.recipient for n in leads} >= {world.dispatcher_a} and leads.filter(recipient=world.dispatcher_a).count() == 1

    with time_machine.travel(START + timedelta(minutes=11), tick=False):
        incidents.incident_confirm(incident=incident, actor=fresh(world.dispatcher_a), cause="变压器故障",
                                   eta=START + timedelta(hours=3))
    incident.refresh_from_db()
    assert incident.field_order == orders[0]
    assert _sms(incident, "incident_confirmed").count() == 50  # one per customer
    # field dispatch is for the incident: one order on the board, a report alone is refused
    build_field(world)
    board = field_selectors.unassigned_for(user=world.dispatcher_a, site=world.site_a)
    assert [o for o in board if o.category_id == power.id] == [orders[0]]
    with pytest.raises(DomainError) as refused:
        assignments.assignment_create(order=orders[7], technician=world.tech_a, start=tomorrow_at(9),
                                      actor=fresh(world.dispatcher_a), override_reason="x")
    assert refused.value.status == 409

    with time_machine.travel(START + timedelta(minutes=40), tick=False):
        incidents.incident_eta_change(incident=incident, actor=world.dispatcher_a, eta=START + timedelta(hours=4))
        incidents.incident_eta_change(incident=incident, actor=world.dispatcher_a, eta=START + timedelta(hours=4))
    assert _sms(incident, "incident_eta").count() == 50  # the same time again tells nobody twice

    late = _report(world, customers[3], power, START + timedelta(minutes=50))  # calls again: same customer
    assert late.incident_id == incident.pk
    assert _sms(incident, "incident_confirmed").count() == 50  # already told

    with time_machine.travel(START + timedelta(hours=3, minutes=30), tick=False):
        incidents.incident_restore(incident=incident, actor=world.dispatcher_a, resolution="变压器已更换")
        with pytest.raises(DomainError) as twice:
            incidents.incident_restore(incident=incident, actor=world.dispatcher_a, resolution="again")
    assert twice.value.status == 409
    assert set(WorkOrder.objects.filter(incident=incident).values_list("status", flat=True)) == {Status.RESOLVED}
    assert _sms(incident, "incident_restored").count() == 50
    # a worker that restarts half-way and tells them again sends nothing more
    assert incidents._tell(incident, list(incident.reports.select_related("customer")), "restored") == 0
    # no order-by-order "done" milestone on top of the outage's own message
    assert not Notification.objects.filter(kind="milestone_resolved").exists()
    # every report gets its revisit, as any resolved order
    from anxin.revisits import services as revisit_services
    from anxin.revisits.models import Revisit

    with time_machine.travel(START + timedelta(hours=4), tick=False):
        revisit_services.revisits_schedule()
    assert Revisit.objects.filter(work_order__incident=incident).count() == incident.reports.count() == 51

    # the reports count apart: the outage is one order of the site's volume
    filters = ReportFilters(period=Period(START.date(), START.date()), grain="day", site=None, type="")
    figures = volume(user=world.manager, filters=filters)
    assert figures["total"] == 1 and figures["outage_reports"] == 50 and figures["outage_incidents"] == 1


def test_detection_needs_the_count_in_the_window_and_the_area(world, outage):
    power, customers = outage
    for i in range(4):  # four reports, then a fifth after the window has passed
        _report(world, customers[i], power, START + timedelta(minutes=5 * i))
    _report(world, customers[4], power, START + timedelta(minutes=40))
    assert not Incident.objects.exists()
    OutageRule.objects.filter(category=power).update(area_level="street")
    for i in range(5, 13):  # street level: the streets alternate; 崂山路 reaches five (with the one at 40 min) first
        _report(world, customers[i], power, START + timedelta(minutes=41, seconds=i))
    raised = Incident.objects.get()
    assert raised.street == "崂山路" and raised.reports.count() == 5


def test_overlapping_incidents_take_a_report_once_the_street_first(world, outage):
    power, customers = outage
    lead = fresh(world.dispatcher_a)
    district = incidents.incident_declare(actor=lead, site=world.site_a, category=power, district="浦东新区",
                                          cause="电网检修", eta=START + timedelta(hours=5))
    street = incidents.incident_declare(actor=lead, site=world.site_a, category=power, district="浦东新区",
                                        street="张杨路", cause="电缆被挖断", eta=START + timedelta(hours=2))
    on_street = _report(world, customers[1], power, START)  # 张杨路: inside both
    elsewhere = _report(world, customers[2], power, START)  # 崂山路: inside the district's only
    assert on_street.incident == street and elsewhere.incident == district
    assert WorkOrder.objects.filter(pk=on_street.pk).values_list("incident", flat=True).get() == street.pk


def test_restoring_waits_for_a_technician_on_site_and_a_dismissal_frees_the_reports(world, outage):
    power, customers = outage
    build_field(world)
    own_job = _report(world, customers[0], power, START)
    lead = fresh(world.dispatcher_a)
    assignments.assignment_create(order=own_job, technician=world.tech_a, start=tomorrow_at(9), actor=lead,
                                  override_reason="先派")
    from anxin.field.services import visits

    visits.visit_arrive(order=own_job, actor=fresh(world.tech_a))
    incident = incidents.incident_declare(actor=lead, site=world.site_a, category=power, district="浦东新区",
                                          cause="停电", eta=timezone.now() + timedelta(hours=2))
    other = _report(world, customers[1], power, timezone.now())
    own_job.refresh_from_db()
    # the job in progress before the outage was declared is linked, and is the incident's field order
    assert own_job.incident == incident and incident.field_order == own_job
    assert other.incident == incident
    incidents.incident_restore(incident=incident, actor=lead, resolution="恢复供电")
    other.refresh_from_db()
    assert other.status == Status.RESOLVED

    suspected = Incident.objects.create(site=world.site_a, category=power, district="浦东新区")
    fresh_report = _report(world, customers[5], power, timezone.now())
    assert fresh_report.incident == suspected
    with pytest.raises(DomainError):
        incidents.incident_dismiss(incident=suspected, actor=lead, reason="  ")
    incidents.incident_dismiss(incident=suspected, actor=lead, reason="各户原因不同")
    fresh_report.refresh_from_db()
    assert fresh_report.incident is None and fresh_report.status == Status.NEW


def test_only_a_lead_of_the_site_decides(world, outage):
    power, _customers = outage
    incident = Incident.objects.create(site=world.site_a, category=power, district="浦东新区")
    for who in (world.agent_a, world.agent_b, world.tech_a):
        with pytest.raises(PermissionDeniedError):
            incidents.incident_confirm(incident=incident, actor=fresh(who), cause="x",
                                       eta=timezone.now() + timedelta(hours=1))
    with pytest.raises(DomainError) as past:
        incidents.incident_confirm(incident=incident, actor=fresh(world.dispatcher_a), cause="x",
                                   eta=timezone.now() - timedelta(hours=1))
    assert past.value.extra["field"] == "eta"
    with pytest.raises(DomainError) as stale:
        incidents.incident_confirm(incident=incident, actor=fresh(world.dispatcher_a), cause="x",
                                   eta=timezone.now() + timedelta(hours=1), expected_version=incident.version + 3)
    assert stale.value.status == 409


def test_incident_pages_queries_and_denials(world, outage, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    power, customers = outage
    incident = Incident.objects.create(site=world.site_a, category=power, district="浦东新区")
    url = f"/orders/incidents/{incident.public_id}/"
    lead = client_for(world.dispatcher_a)
    lead.get(url)  # the session's first request

    def count(n):
        for c in customers[n - 3:n]:
            _report(world, c, power, timezone.now())
        with CaptureQueriesContext(connection) as ctx:
            page = lead.get(url)
        assert page.status_code == 200 and customers[n - 1].name in page.content.decode()
        return len(ctx.captured_queries)

    assert count(9) <= count(3)  # bounded whatever the number of reports
    assert client_for(world.dispatcher_a).get("/orders/incidents/").status_code == 200
    step = url + "confirm/"
    data = {"cause": "停电", "eta": timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}
    assert client_for(world.agent_a).post(step, data).status_code == 403  # an agent reads, a lead decides
    assert client_for(world.agent_b).get(url).status_code == 404  # another site's incident
    assert client_for(world.dispatcher_a).get(step).status_code == 405
    bad = client_for(world.dispatcher_a).post(step, {"cause": "", "eta": "soon"})
    assert bad.status_code == 200 and 'class="errorlist"' in bad.content.decode()
    assert client_for(world.dispatcher_a).post(step, data).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "confirmed"


def test_a_caller_of_a_known_outage_is_logged_in_one_click_and_one_still_out_gets_an_ordinary_order(
        world, outage, client_for):
    from anxin.intake.tests.test_intake import call_data

    power, customers = outage
    lead = fresh(world.dispatcher_a)
    incident = incidents.incident_declare(actor=lead, site=world.site_a, category=power, district="浦东新区",
                                          cause="电缆被挖断", eta=timezone.now() + timedelta(hours=2))
    caller = customers[2]
    agent = client_for(world.agent_a)
    screen = agent.get(f"/intake/call/?customer={caller.public_id}").content.decode()
    assert "电缆被挖断" in screen and f"incident:{incident.public_id}" in screen
    form = {**call_data(world, customer=str(caller.public_id), phone="", content="", token="one-click"),
            "action": f"incident:{incident.public_id}"}
    assert agent.post("/intake/call/", form).status_code == 302
    report = WorkOrder.objects.get(customer=caller)
    assert report.incident == incident and report.category == power
    assert report.contact_logs.get().content == "来电反映所在区域的故障。"

    incidents.incident_restore(incident=incident, actor=lead, resolution="电缆已修复")
    screen = agent.get(f"/intake/call/?customer={caller.public_id}").content.decode()
    assert f"still_out:{incident.public_id}" in screen and f"incident:{incident.public_id}" not in screen
    form = {**form, "action": f"still_out:{incident.public_id}", "token": "still-out"}
    assert agent.post("/intake/call/", form).status_code == 302
    again = WorkOrder.objects.filter(customer=caller).exclude(pk=report.pk).get()
    assert again.incident is None and again.status == Status.NEW  # dispatched on its own
    assert again.events.filter(type=again.events.model.Type.LINKED_TO_INCIDENT,
                               data__incident=str(incident.public_id)).exists()


def test_a_customer_without_a_mobile_is_told_by_email(world, outage):
    power, _customers = outage
    by_mail = customer_services.customer_create(
        actor=world.agent_a, site=world.site_a, name="邮件客户", email="kehu@example.cn",
        address={"district": "浦东新区", "street": "张杨路", "number": "1号"})
    incident = incidents.incident_declare(actor=fresh(world.dispatcher_a), site=world.site_a, category=power,
                                          district="浦东新区", cause="停电", eta=timezone.now() + timedelta(hours=1))
    _report(world, by_mail, power, timezone.now())
    told = Notification.objects.get(dedupe_key__startswith=f"incident:{incident.pk}:confirmed:c{by_mail.pk}")
    assert told.channel == "email" and told.to_address == "kehu@example.cn"


def test_a_complaint_in_the_area_is_not_taken_for_a_fault_report(world, outage):
    power, customers = outage
    incident = incidents.incident_declare(actor=fresh(world.dispatcher_a), site=world.site_a, category=power,
                                          district="浦东新区", cause="停电", eta=timezone.now() + timedelta(hours=1))
    complaint = wo_services.workorder_create(actor=world.agent_a, type="complaint", channel="hotline",
                                             site=world.site_a, customer=customers[0], category=power,
                                             title="停电太久，投诉")
    assert complaint.incident is None and not incident.reports.filter(pk=complaint.pk).exists()


def test_declaring_an_outage_is_for_leads_and_says_what_is_missing(world, outage, client_for):
    power, _customers = outage
    assert client_for(world.agent_a).get("/orders/incidents/new/").status_code == 403
    lead = client_for(world.dispatcher_a)
    page = lead.post("/orders/incidents/new/", {"site": "SA", "category": power.code, "district": "浦东新区",
                                                "cause": "  "})
    assert page.status_code == 200 and page.context["form"].errors["cause"] and not Incident.objects.exists()
    done = lead.post("/orders/incidents/new/", {"site": "SA", "category": power.code, "district": "浦东新区",
                                                "cause": "计划停电检修"})
    assert done.status_code == 302 and Incident.objects.get().status == "confirmed"
