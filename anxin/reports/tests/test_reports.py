"""H1, H2, H6 and the 95598 type table on a small fixed data set whose answers are worked out by hand.

November 2026, Beijing time. Site A (agent_a took everything):
  o1 repair   11-02 10:00 hotline  resolved, never chased             — tech_a: 90 min vs 60 std, on time
  o2 repair   11-02 11:00 hotline  resolved, chased once (urge 11-08) — tech_a: 60 min vs 60 std, late
  o3 repair   11-10 09:00 web      resolved, but reopened once; its field job is a rework of o1
  o4 repair   11-30 23:59 hotline  open   (last minute of the period); tech_a visited with no agreed window
  o5 complaint 11-05     hotline  open   customer_a
  o6 complaint 11-20     hotline  open   customer_a → a repeat complaint (within 90 days of o5)
  o7 consultation 11-03  hotline  open   created from a logged call; a call-back promise on it
  o0 repair   10-31 23:30 hotline  open   (outside the period by 30 minutes)
Site B: o8 repair 11-04 WeChat, open (agent_b).
Contacts at site A: 11-03 (→ o7), 11-06 and 11-07 resolved on the spot (6 and 10 min), 11-08 urge on o2,
11-09 still open; 10-31 resolved on the spot (outside the period).
"""

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from anxin.accounts import services as account_services
from anxin.accounts.roles import Role
from anxin.audit.models import AuditLog
from anxin.devtools.testing.personas import PASSWORD, fresh
from anxin.field.models import Appointment, FieldJob, JobType, Visit
from anxin.intake import services as intake_services
from anxin.intake.models import ContactLog
from anxin.reports import register, selectors, staff
from anxin.reports.periods import Period, buckets
from anxin.reports.selectors import ReportFilters
from anxin.revisits.models import Revisit
from anxin.sla.models import Commitment
from anxin.workorders import services as wo_services
from anxin.workorders.models import WorkOrder, WorkOrderEvent
from anxin.workorders.states import Status

SH = ZoneInfo("Asia/Shanghai")
NOV = Period(date(2026, 11, 1), date(2026, 11, 30))


def at(month, day, hour=10, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def desk(world):
    w = world
    agent = fresh(w.agent_a)

    def order(type, when, channel="hotline", who=agent, site=w.site_a):
        return wo_services.workorder_create(actor=who, type=type, channel=channel, site=site, title=f"{type} {when}",
                                            customer=w.customer_a if site == w.site_a else w.customer_b,
                                            received_at=when)

    o = {
        "o1": order("repair", at(11, 2, 10)), "o2": order("repair", at(11, 2, 11)),
        "o3": order("repair", at(11, 10, 9), channel="web"), "o4": order("repair", at(11, 30, 23, 59)),
        "o5": order("complaint", at(11, 5)), "o6": order("complaint", at(11, 20)),
        "o0": order("repair", at(10, 31, 23, 30)),
        "o8": order("repair", at(11, 4), channel="wechat", who=fresh(w.agent_b), site=w.site_b),
    }

    def contact(when, **kw):
        return intake_services.contactlog_create(actor=agent, site=w.site_a, category="general", content="咨询",
                                                 received_at=when, **kw)

    call = contact(at(11, 3))
    o["o7"] = intake_services.contactlog_create_order(log=call, actor=agent, type="consultation", title="咨询电费")
    spot1, spot2 = contact(at(11, 6), done=True), contact(at(11, 7), done=True)
    ContactLog.objects.filter(pk=spot1.pk).update(done_at=at(11, 6, 10, 6))
    ContactLog.objects.filter(pk=spot2.pk).update(done_at=at(11, 7, 10, 10))
    urge = contact(at(11, 8), customer=w.customer_a)
    intake_services.contactlog_link_urge(log=urge, order=o["o2"], actor=agent)
    contact(at(11, 9))
    contact(at(10, 31, 12), done=True)
    Commitment.objects.create(work_order=o["o7"], kind=Commitment.Kind.CALLBACK, description="回电告知",
                              owner=agent, made_by=agent, due_at=at(12, 1, 9))

    for key, resolved in (("o1", at(11, 2, 16)), ("o2", at(11, 3, 11)), ("o3", at(11, 12))):
        WorkOrder.objects.filter(pk=o[key].pk).update(status=Status.RESOLVED, resolved_at=resolved, owner=w.tech_a)
    WorkOrderEvent.objects.create(work_order=o["o3"], type=WorkOrderEvent.Type.TRANSITIONED,
                                  from_status=Status.RESOLVED, to_status=Status.IN_PROGRESS)
    WorkOrder.objects.filter(pk=o["o3"].pk).update(reopen_count=1)  # as workorder_transition counts a reopen

    job_type = JobType.objects.create(code="repair.std", name="维修", trade="plumbing", standard_minutes=60)
    FieldJob.objects.create(work_order=o["o1"], job_type=job_type, started_at=at(11, 2, 14),
                            completed_at=at(11, 2, 15, 30))
    FieldJob.objects.create(work_order=o["o2"], job_type=job_type, started_at=at(11, 3, 9), completed_at=at(11, 3, 10))
    FieldJob.objects.create(work_order=o["o3"], job_type=job_type, rework_of=o["o1"])
    for key, window_to, arrived in (("o1", at(11, 2, 14), at(11, 2, 13, 55)), ("o2", at(11, 3, 9), at(11, 3, 9, 30))):
        Appointment.objects.create(work_order=o[key], window_from=window_to - timedelta(hours=2), window_to=window_to,
                                   agreed_with="王芳")
        Visit.objects.create(work_order=o[key], technician=w.tech_a, arrived_at=arrived)
    # a visit to o4 with no agreed window: not an arrival the on-time rate can judge, nor listed behind it
    WorkOrder.objects.filter(pk=o["o4"].pk).update(owner=w.tech_a)
    Visit.objects.create(work_order=o["o4"], technician=w.tech_a, arrived_at=at(11, 30, 20))
    Revisit.objects.create(work_order=o["o1"], due_at=at(11, 6), status=Revisit.Status.DONE, done_at=at(11, 5),
                           overall=5)
    Revisit.objects.create(work_order=o["o2"], due_at=at(11, 5), status=Revisit.Status.DONE, done_at=at(11, 6),
                           overall=2)
    return o


def nov(**kw):
    return ReportFilters(period=NOV, **kw)


def test_buckets_are_clipped_to_the_period_and_cover_it():
    weeks = buckets(NOV, "week")
    assert [(b.key, b.first.day, b.last.day) for b in weeks] == [
        ("2026-W44", 1, 1), ("2026-W45", 2, 8), ("2026-W46", 9, 15), ("2026-W47", 16, 22), ("2026-W48", 23, 29),
        ("2026-W49", 30, 30)]
    assert [b.key for b in buckets(Period(date(2026, 2, 15), date(2026, 8, 1)), "quarter")] == ["2026Q1", "2026Q2",
                                                                                                "2026Q3"]


@pytest.mark.django_db
def test_volume_by_type_channel_site_and_week_with_the_period_edges(world, desk):
    v = selectors.volume(user=fresh(world.manager), filters=nov(grain="week"))
    assert v["total"] == 8  # o1–o8; o0 is 30 minutes before the period
    assert {r["key"]: r["n"] for r in v["by_type"]} == {"repair": 5, "complaint": 2, "consultation": 1}
    assert {r["key"]: (r["n"], r["share"]) for r in v["by_channel"]} == {
        "hotline": (6, 75.0), "web": (1, 12.5), "wechat": (1, 12.5)}
    assert {r["key"]: r["n"] for r in v["by_site"]} == {"SA": 7, "SB": 1}
    assert [r["n"] for r in v["by_bucket"]] == [0, 5, 1, 1, 0, 1]  # o4 at 23:59 on the 30th is in the last week
    assert v["by_bucket"][1]["url"] == "/orders/?received_from=2026-11-02&received_to=2026-11-08"
    by_month = selectors.volume(user=fresh(world.manager), filters=nov(grain="month"))["by_bucket"]
    assert [(b["key"], b["n"]) for b in by_month] == [("2026-11", 8)]


@pytest.mark.django_db
def test_every_figure_keeps_to_the_viewers_scope(world, desk):
    b = fresh(world.agent_b)  # site B only
    assert selectors.volume(user=b, filters=nov())["total"] == 1
    assert selectors.type_statistics(user=b, filters=nov())["contacts"] == 1  # site A's contacts are not counted
    assert selectors.complaints(user=b, filters=nov())["total"] == 0
    assert [r["person"] for r in staff.agent_performance(user=b, filters=nov())] == [world.agent_b]
    site_filtered = selectors.volume(user=fresh(world.manager), filters=nov(site=world.site_b))
    assert site_filtered["total"] == 1


@pytest.mark.django_db
def test_type_table_shares_of_requests_and_of_all_contacts(world, desk):
    t = selectors.type_statistics(user=fresh(world.manager), filters=nov())
    rows = {r["key"]: (r["n"], r["share_requests"], r["share_contacts"]) for r in t["rows"] if r["n"]}
    # requests 8; contacts = 8 + 1 urge + 3 without an order (2 on the spot, 1 open) = 12
    assert rows == {"repair": (5, 62.5, 41.7), "complaint": (2, 25.0, 16.7), "consultation": (1, 12.5, 8.3)}
    assert (t["requests"], t["urges"], t["no_order"], t["contacts"]) == (8, 1, 3, 12)
    assert (t["requests_share"], t["urges_share"], t["no_order_share"]) == (66.7, 8.3, 25.0)
    assert len(t["rows"]) == 11  # every type is listed, with 0 where nothing came in


@pytest.mark.django_db
def test_backlog_by_age_in_days_as_of_now(world, desk):
    now = at(12, 1, 12)
    b = selectors.backlog(user=fresh(world.manager), filters=nov(), now=now)
    # open: o4 (11-30), o5, o6, o7, o8 (8–30 days), o0 (10-31, more than 30 days)
    assert b["total"] == 6
    assert {r["key"]: r["n"] for r in b["ages"]} == {"today": 0, "1-3": 1, "4-7": 0, "8-30": 4, "30+": 1}
    ages = {r["key"]: r["url"] for r in b["ages"]}
    assert ages["1-3"] == "/orders/?status=open&received_from=2026-11-28&received_to=2026-11-30"
    assert ages["30+"] == "/orders/?status=open&received_to=2026-10-31"


@pytest.mark.django_db
def test_a_repeat_complaint_is_one_within_90_days_of_the_customers_previous(world, desk):
    """o5 (11-05 10:00) and o6 (11-20) of customer_a at site A; added: a 举报 of customer_a on 08-06 20:00 (90 days
    and 14 hours before o5: o5 is no repeat), two complaints of customer_b at site B in the same second on 11-12 (the
    second is a repeat) and a 举报 of customer_b on 11-25 (a repeat of them: both kinds are complaints)."""
    w = world

    def complaint(type, when, customer, site, who):
        return wo_services.workorder_create(actor=fresh(who), type=type, channel="hotline", site=site, title=type,
                                            customer=customer, received_at=when)

    complaint("report", at(8, 6, 20), w.customer_a, w.site_a, w.agent_a)
    twins = [complaint("complaint", at(11, 12, 9), w.customer_b, w.site_b, w.agent_b) for _ in range(2)]
    WorkOrder.objects.filter(pk__in=[o.pk for o in twins]).update(received_at=at(11, 12, 9))  # the same instant
    complaint("report", at(11, 25), w.customer_b, w.site_b, w.agent_b)
    user = fresh(world.manager)
    c = selectors.complaints(user=user, filters=nov())
    assert (c["total"], c["repeat"]) == (5, 3)  # o6, the second twin, the 11-25 举报
    assert selectors.complaints(user=user, filters=nov(site=world.site_b))["repeat"] == 2
    assert selectors.complaints(user=user, filters=nov(site=world.site_a))["repeat"] == 1
    assert selectors.complaints(user=user, filters=nov(type="report"))["repeat"] == 1
    assert selectors.complaints(user=user, filters=nov(type="complaint"))["repeat"] == 2
    # in August the 举报 has nothing before it
    august = ReportFilters(period=Period(date(2026, 8, 1), date(2026, 8, 31)))
    assert selectors.complaints(user=user, filters=august)["repeat"] == 0
    # a technician who sees only their own orders owns none of these complaints
    assert selectors.complaints(user=fresh(world.tech_a), filters=nov())["repeat"] == 0


@pytest.mark.django_db
def test_complaints_urges_first_contact_resolution_revisits_and_csi(world, desk):
    user = fresh(world.manager)
    c = selectors.complaints(user=user, filters=nov())
    assert (c["total"], c["repeat"], c["repeat_rate"]) == (2, 1, 50.0)
    assert c["per_10k_customers"] == 2 * 10_000 / c["customers"]
    q = selectors.service_quality(user=user, filters=nov())
    assert (q["orders"], q["urged"], q["urge_rate"]) == (8, 1, 12.5)
    # resolved o1, o2, o3 + 2 on the spot; first time: o1 (o2 was chased, o3 reopened) + 2 on the spot
    assert (q["first_time"], q["resolved"], q["fcr"]) == (3, 5, 60.0)
    assert (q["revisits_on_time"], q["revisits_due"], q["revisit_coverage"]) == (1, 2, 50.0)
    assert (q["scores"], q["csi"]) == (2, 70.0)  # mean(5, 2) ÷ 5 × 100
    assert selectors.sla_by_metric(user=user, filters=nov()) == []  # no promises were started in this data


@pytest.mark.django_db
def test_agent_and_technician_performance(world, desk):
    user = fresh(world.manager)
    [agent] = [r for r in staff.agent_performance(user=user, filters=nov()) if r["person"] == world.agent_a]
    assert (agent["contacts"], agent["created"], agent["handling"], agent["satisfaction"]) == (5, 7, 8.0, 70.0)
    [tech] = staff.technician_performance(user=user, filters=nov())
    assert tech["person"] == world.tech_a
    assert (tech["completed"], tech["rework"], tech["rework_rate"]) == (2, 1, 50.0)
    assert (tech["arrivals"], tech["on_time"], tech["on_time_rate"]) == (2, 1, 50.0)
    assert (tech["standard_hours"], tech["actual_hours"], tech["hours_ratio"]) == (2.0, 2.5, 1.25)
    assert (tech["satisfaction"], tech["revisit_complaints"]) == (70.0, 1)
    def behind(metric):
        return set(staff.metric_orders(user=user, filters=nov(), person=world.tech_a, role="technician",
                                       metric=metric))

    assert behind("rework") == {desk["o1"]}
    assert behind("completed") == behind("arrivals") == {desk["o1"], desk["o2"]}
    assert behind("revisit_complaints") == {desk["o2"]}
    assert tech["urls"]["rework"].startswith("/reports/staff/orders/?role=technician&who=tech_a")
    rows = [{"person": world.agent_a, "contacts": 1}, {"person": world.agent_b, "contacts": None},
            {"person": world.manager, "contacts": 3}]
    assert [r["person"] for r in staff.sort_rows(rows, "-contacts", "agent")] == [
        world.manager, world.agent_a, world.agent_b]
    assert staff.sort_rows(rows, "__class__", "agent")[0]["person"] == world.manager  # unknown key → default


@pytest.mark.django_db
def test_daily_register_lists_follow_ups_first(world, desk):
    agent = fresh(world.agent_a)
    rows = register.daily_register(user=agent, agent=agent, period=Period(date(2026, 11, 3), date(2026, 11, 9)))
    assert [(r.log.received_at.astimezone(SH).day, r.outcome) for r in rows] == [
        (3, "callback"), (9, "follow_up"), (6, "on_the_spot"), (7, "on_the_spot"), (8, "urge")]
    assert rows[0].callback.due_at == at(12, 1, 9)
    counts = {s["key"]: s["n"] for s in register.summary(rows)}
    assert counts == {"follow_up": 1, "callback": 1, "on_the_spot": 2, "order": 0, "urge": 1, "ended": 0}


@pytest.mark.django_db
def test_pages_answer_in_chinese_with_the_hand_worked_figures(world, desk, client_for):
    c = client_for(world.manager)
    page = c.get("/reports/?since=2026-11-01&until=2026-11-30&grain=week").content.decode()
    assert "服务看板" in page and 'id="chart-data"' in page and "受理工单" in page
    assert "/orders/?received_from=2026-11-02&amp;received_to=2026-11-08" in page  # a bar's drill-down
    types = c.get("/reports/types/?since=2026-11-01&until=2026-11-30").content.decode()
    assert "62.5%" in types and "41.7%" in types and "受理总量" in types
    staff_page = c.get("/reports/staff/?since=2026-11-01&until=2026-11-30&sort=technician:-completed")
    assert staff_page.status_code == 200 and "返修率" in staff_page.content.decode()
    behind = c.get("/reports/staff/orders/", {"role": "technician", "metric": "completed", "who": "tech_a",
                                              "since": "2026-11-01", "until": "2026-11-30"}).content.decode()
    assert desk["o1"].number in behind and desk["o2"].number in behind and desk["o3"].number not in behind
    reg = c.get("/reports/register/?agent=agent_a&since=2026-11-03&until=2026-11-09").content.decode()
    assert "待跟进" in reg and "已承诺回电" in reg and "当场解决" in reg


@pytest.mark.django_db
@pytest.mark.parametrize("query, message", [
    ("since=2099-01-01", "所选期间尚未到来"),
    ("since=2026-11-30&until=2026-11-01", "结束日期不能早于开始日期"),
    ("since=2020-01-01&until=2026-11-30", "统计期间最长为三年"),
    ("since=not-a-date", "有效的日期"),
])
def test_bad_periods_get_a_clear_answer(world, client_for, query, message):
    page = client_for(world.manager).get(f"/reports/?{query}")
    assert page.status_code == 200 and message in page.content.decode()


@pytest.mark.django_db
def test_an_empty_period_says_so(world, client_for):
    page = client_for(world.manager).get("/reports/?since=2026-01-01&until=2026-01-31").content.decode()
    assert "该期间和范围内没有工单" in page


@pytest.mark.django_db
def test_denials_site_outside_scope_roles_without_reports_and_exports(world, desk, client_for, client):
    manager_b = account_services.user_create(username="manager_b", password=PASSWORD, role=Role.SERVICE_MANAGER,
                                             org_unit=world.site_b)
    page = client_for(manager_b).get("/reports/?since=2026-11-01&until=2026-11-30&site=SA")
    body = page.content.decode()
    assert page.status_code == 200 and "选择一个有效的选项" in body  # site A is not offered to site B's manager
    assert page.context["volume"]["total"] == 1  # …and the figures stay site B's
    assert client_for(manager_b).get("/reports/register/?agent=agent_a").context["agent"] == manager_b
    for user in (world.agent_a, world.tech_a, world.dispatcher_a):
        c = client_for(user)
        for url in ("/reports/", "/reports/types/", "/reports/staff/", "/reports/staff/orders/?role=agent&metric="
                    "created&who=agent_a", "/reports/export/", "/reports/types/export/", "/reports/staff/export/"):
            assert c.get(url).status_code == 403, (user, url)
    officer = account_services.user_create(username="officer", password=PASSWORD, role=Role.COMPLAINT_OFFICER,
                                           org_unit=world.site_a)
    c = client_for(officer)
    assert c.get("/reports/").status_code == 200  # the dashboard, but not the staff figures
    assert c.get("/reports/staff/").status_code == 403
    c = client_for(world.manager)
    assert c.get("/reports/staff/orders/?role=agent&metric=__class__&who=agent_a").status_code == 404
    assert c.get("/reports/staff/orders/?role=admin&metric=created&who=agent_a").status_code == 404
    c = client_for(world.agent_a)
    assert c.get("/reports/register/?agent=agent_b").context["agent"] == world.agent_a  # only their own
    assert c.get("/reports/register/export/").status_code == 403
    assert client_for(world.tech_a).get("/reports/register/").status_code == 403
    assert client_for(manager_b).get("/reports/staff/orders/", {
        "role": "technician", "metric": "completed", "who": "tech_a"}).status_code == 404
    client.logout()
    assert client.get("/reports/").status_code == 302


@pytest.mark.django_db
def test_exports_are_scoped_watermarked_and_audited(world, desk, client_for):
    c = client_for(world.manager)
    response = c.get("/reports/types/export/?since=2026-11-01&until=2026-11-30")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert "manager" in rows[0][0]  # the watermark line
    assert ["报修", "5", "62.5%", "41.7%"] in rows
    assert ["受理总量", "12", None, "100.0%"] in rows
    assert AuditLog.objects.filter(action="export", object_type="reports.types").exists()
    for url in ("/reports/export/", "/reports/staff/export/", "/reports/register/export/?agent=agent_a"):
        assert c.get(url + ("&" if "?" in url else "?") + "since=2026-11-01&until=2026-11-30").status_code == 200


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_data(world, desk, client_for):
    c = client_for(world.manager)
    urls = ["/reports/?since=2026-11-01&until=2026-11-30", "/reports/types/?since=2026-11-01&until=2026-11-30",
            "/reports/staff/?since=2026-11-01&until=2026-11-30",
            "/reports/register/?agent=agent_a&since=2026-11-01&until=2026-11-30"]

    def counts():
        out = []
        for url in urls:
            with CaptureQueriesContext(connection) as q:
                assert c.get(url).status_code == 200
            out.append(len(q))
        return out

    before = counts()
    agent = fresh(world.agent_a)
    for day in range(1, 29):
        wo_services.workorder_create(actor=agent, type="repair", channel="hotline", site=world.site_a, title="更多",
                                     customer=world.customer_a, received_at=at(11, day))
        intake_services.contactlog_create(actor=agent, site=world.site_a, category="general", content="更多",
                                          received_at=at(11, day, 15), done=day % 2 == 0)
    assert counts() == before


@pytest.mark.django_db
def test_a_months_completed_jobs_are_read_from_their_index_not_the_sites_orders(world, desk):
    """Staff performance on a busy desk: the jobs handed over in the period, found by `field_job_completed`.
    SQLite plans with statistics of one site holding 1 M orders and 200k jobs (as a full ANALYZE gathers them);
    PostgreSQL is told sequential scans are the last resort, since on a test-sized table they are cheapest, and must
    start from the jobs and look their orders up (never walk the site's orders)."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("UPDATE sqlite_stat1 SET stat = '1000000 500000 1 1 1 1' WHERE tbl = 'workorders_workorder'")
            cursor.execute("UPDATE sqlite_stat1 SET stat = '200000 1' WHERE tbl = 'field_fieldjob'")
            cursor.execute("ANALYZE sqlite_schema")  # reloads the statistics
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
        plan = staff.completed_jobs(user=fresh(world.manager), filters=nov()).explain()
    if connection.vendor == "sqlite":
        assert "field_job_completed" in plan, plan
    else:  # on a test-sized table every plan costs about the same, and which table leads follows the statistics a
        # full run left behind (seen both ways): what matters is that the jobs are found by the period through
        # their index and the orders are never walked by site
        job_scan = next(line for line in plan.splitlines() if " on field_fieldjob " in line)
        assert "field_job_completed" in job_scan and "completed_at >=" in plan and "wo_site" not in plan, plan
