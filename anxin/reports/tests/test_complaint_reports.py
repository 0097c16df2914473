"""H3 complaint reports on a fixed data set whose answers are worked out by hand.

November 2026, Beijing time:
  c1 site A 11-03 10:00 attitude   normal   resolved 11-04 10:00 (24 h), promised 11-05 (kept); compensation 200 yuan
                                                approved and accepted
  c2 site A 11-10 10:00 timeliness serious  resolved 11-12 22:00 (60 h), promised 11-11 (late); a refund of 100
                                                approved but declined, an apology accepted (neither is "paid")
  c3 site A 11-20 09:00 attitude   severe (a group complaint), open
  c4 site B 11-15 10:00 attitude   normal   open
  c0 site A 10-20 10:00 quality    normal   (October: the previous month)
Monthly, whole company (HQ): 4 complaints; attitude 3 (75.0 %), timeliness 1 (25.0 %); normal 2 (50.0 %), serious 1,
severe 1 (25.0 % each); site A 3 (75.0 %), site B 1; resolved 2, open 2; mean and median 42.0 hours; promised 2, kept
1 (50.0 %); 1 group complaint; paid: compensation ×1, 200 yuan; October had 1 → change +300.0 %.
"""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from openpyxl import load_workbook
from pypdf import PdfReader

from anxin.accounts import services as account_services
from anxin.accounts.roles import Role
from anxin.complaints import services as complaint_services
from anxin.complaints.models import Complaint, Proposal
from anxin.core.errors import DomainError, PermissionDeniedError
from anxin.devtools.testing.personas import PASSWORD, fresh
from anxin.notifications.models import Notification
from anxin.reports.complaint_report_services import report_generate, schedules_run
from anxin.reports.complaint_reports import last_complete, period_of
from anxin.reports.models import ComplaintReport, ComplaintReportSchedule
from anxin.reports.periods import Period
from anxin.workorders import services as wo_services
from anxin.workorders.models import WorkOrder

SH = ZoneInfo("Asia/Shanghai")


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, tzinfo=SH)


@pytest.fixture
def complaints(world):
    def complaint(site, customer, agent, received, category, severity="normal", resolved=None, promised=None, **kw):
        order = wo_services.workorder_create(actor=agent, type="complaint", channel="hotline", site=site,
                                             title=f"投诉 {received:%m-%d}", customer=customer, received_at=received)
        c = complaint_services.complaint_register(order=order, actor=world.manager, data={
            "what_happened": "上门迟到", "customer_wants": "道歉", "category": category, "severity": severity, **kw})
        WorkOrder.objects.filter(pk=order.pk).update(resolved_at=resolved, status="resolved" if resolved else "new")
        Complaint.objects.filter(pk=c.pk).update(expected_resolution_on=promised)
        return c

    a, b = fresh(world.agent_a), fresh(world.agent_b)
    c1 = complaint(world.site_a, world.customer_a, a, at(11, 3), "attitude", resolved=at(11, 4),
                   promised=date(2026, 11, 5))
    c2 = complaint(world.site_a, world.customer_a, a, at(11, 10), "timeliness", "serious", resolved=at(11, 12, 22),
                   promised=date(2026, 11, 11))
    complaint(world.site_a, world.customer_a, a, at(11, 20, 9), "attitude", is_group=True)
    complaint(world.site_b, world.customer_b, b, at(11, 15), "attitude")
    complaint(world.site_a, world.customer_a, a, at(10, 20), "quality", resolved=at(10, 21))

    def remedy(c, kind, amount, answer):
        Proposal.objects.create(complaint=c, kind=kind, amount=Decimal(amount), measures="处理", approval="approved",
                                answer=answer)

    remedy(c1, "compensation", "200", "accepted")
    remedy(c2, "refund", "100", "declined")
    remedy(c2, "apology", "0", "accepted")
    return world


def test_periods_of_each_kind():
    assert period_of("monthly", date(2026, 11, 17)) == Period(date(2026, 11, 1), date(2026, 11, 30))
    assert period_of("quarterly", date(2026, 11, 17)) == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert period_of("half_year", date(2026, 2, 1)) == Period(date(2026, 1, 1), date(2026, 6, 30))
    assert last_complete("monthly", date(2027, 1, 3)) == Period(date(2026, 12, 1), date(2026, 12, 31))
    assert last_complete("quarterly", date(2027, 1, 3)) == Period(date(2026, 10, 1), date(2026, 12, 31))
    assert last_complete("half_year", date(2026, 7, 1)) == Period(date(2026, 1, 1), date(2026, 6, 30))


def test_every_figure_of_the_monthly_report_by_hand(complaints):
    w = complaints
    report = report_generate(kind="monthly", unit=w.hq, day=date(2026, 11, 17), actor=fresh(w.manager))
    f = report.figures
    now = f["now"]
    assert (report.since, report.until) == (date(2026, 11, 1), date(2026, 11, 30))
    assert now["total"] == 4 and now["resolved"] == 2 and now["open"] == 2
    assert [(r["key"], r["n"], r["share"]) for r in now["by_category"]] == [("attitude", 3, 75.0),
                                                                            ("timeliness", 1, 25.0)]
    assert [(r["key"], r["n"], r["share"]) for r in now["by_severity"]] == [
        ("normal", 2, 50.0), ("serious", 1, 25.0), ("severe", 1, 25.0)]
    assert [(r["n"], r["share"]) for r in now["by_unit"]] == [(3, 75.0), (1, 25.0)]
    assert now["by_unit"][0]["key"] == w.site_a.name
    assert now["hours_mean"] == 42.0 and now["hours_median"] == 42.0
    assert (now["promised"], now["on_promise"], now["on_promise_rate"]) == (2, 1, 50.0)
    assert now["group"] == 1 and now["media"] == 0
    assert now["paid"] == [{"key": "compensation", "n": 1, "amount": "200.00"}] and now["paid_total"] == "200.00"
    assert f["before"]["total"] == 1 and f["change"] == 300.0
    assert {(t["key"], t["n"], t["before"]) for t in f["trend"]} == {("attitude", 3, 0), ("timeliness", 1, 0),
                                                                     ("quality", 0, 1)}
    assert [r["number"] for r in f["list"]] == list(WorkOrder.objects.filter(
        type="complaint", received_at__month=11).order_by("received_at").values_list("number", flat=True))
    # made again: the same row, recounted
    again = report_generate(kind="monthly", unit=w.hq, day=date(2026, 11, 1), actor=fresh(w.manager))
    assert again.pk == report.pk and ComplaintReport.objects.count() == 1


def test_a_quarter_and_an_empty_month(complaints):
    w = complaints
    quarter = report_generate(kind="quarterly", unit=w.hq, day=date(2026, 10, 5), actor=fresh(w.manager))
    assert quarter.figures["now"]["total"] == 5 and quarter.figures["list"] == []  # the list is the monthly's
    empty = report_generate(kind="monthly", unit=w.hq, day=date(2026, 9, 1), actor=fresh(w.manager))
    assert empty.figures["now"]["total"] == 0 and empty.figures["now"]["hours_mean"] is None
    assert empty.figures["change"] is None  # no previous complaints: no percentage invented


def test_scope_the_future_and_roles_are_refused(complaints, client_for):
    w = complaints
    site_manager = fresh(account_services.user_create(username="mgr_a", password=PASSWORD,
                                                      role=Role.SERVICE_MANAGER, org_unit=w.site_a))
    mine = report_generate(kind="monthly", unit=w.site_a, day=date(2026, 11, 1), actor=site_manager)
    assert mine.figures["now"]["total"] == 3  # site B's complaint is not his
    with pytest.raises(PermissionDeniedError):
        report_generate(kind="monthly", unit=w.hq, day=date(2026, 11, 1), actor=site_manager)
    with pytest.raises(PermissionDeniedError):
        report_generate(kind="monthly", unit=w.site_a, day=date(2026, 11, 1), actor=fresh(w.agent_a))
    with pytest.raises(DomainError) as future:
        report_generate(kind="monthly", unit=w.hq, day=date(2030, 1, 1), actor=fresh(w.manager))
    assert future.value.extra["field"] == "day"
    company = report_generate(kind="monthly", unit=w.hq, day=date(2026, 11, 1), actor=fresh(w.manager))
    client = client_for(site_manager)
    assert client.get(f"/reports/complaints/{company.pk}/").status_code == 404  # looks missing
    assert client.get(f"/reports/complaints/{company.pk}/pdf/").status_code == 404
    page = client.get("/reports/complaints/").content.decode()
    assert f"/reports/complaints/{mine.pk}/" in page and f"/reports/complaints/{company.pk}/" not in page
    refused = client.post("/reports/complaints/", {"kind": "monthly", "day": "2026-11-01", "unit": w.hq.code})
    assert refused.status_code == 400 and not ComplaintReport.objects.filter(unit=w.hq, generated_by=site_manager)
    future_page = client.post("/reports/complaints/", {"kind": "monthly", "day": "2030-01-01", "unit": w.site_a.code})
    assert future_page.status_code == 400 and "尚未开始" in future_page.content.decode()
    officer = fresh(account_services.user_create(username="cpo", password=PASSWORD, role=Role.COMPLAINT_OFFICER,
                                                 org_unit=w.hq))
    assert client_for(officer).get(f"/reports/complaints/{company.pk}/").status_code == 200  # reads …
    assert client_for(officer).get(f"/reports/complaints/{company.pk}/pdf/").status_code == 403  # … exports not
    assert client_for(officer).get(f"/reports/complaints/{company.pk}/xlsx/").status_code == 403
    for user in (w.agent_a, w.tech_a, w.dispatcher_a):
        assert client_for(user).get("/reports/complaints/").status_code == 403
        assert client_for(user).get(f"/reports/complaints/{mine.pk}/xlsx/").status_code == 403


def test_the_page_the_sheet_and_the_pdf_say_the_same(complaints, client_for):
    w = complaints
    client = client_for(w.manager)
    made = client.post("/reports/complaints/", {"kind": "monthly", "day": "2026-11-17", "unit": w.hq.code})
    assert made.status_code == 302
    report = ComplaintReport.objects.get()
    page = client.get(made["Location"]).content.decode()
    assert "月度投诉报告" in page and "服务态度" in page and "75.0%" in page and "300.0%" in page
    sheet = load_workbook(io.BytesIO(client.get(f"/reports/complaints/{report.pk}/xlsx/").content)).active
    values = [[c.value for c in row if c.value is not None] for row in sheet.iter_rows()]
    assert ["服务态度", "3", "75.0%", "0"] in values and any("导出" in str(v[0]) for v in values[:1])
    pdf = client.get(f"/reports/complaints/{report.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "月度投诉报告" in text and "75.0%" in text and "200.00" in text and ("manager" in text or "经理" in text)
    from anxin.audit.models import AuditLog

    assert AuditLog.objects.filter(action="export", object_type="reports.complaintreport").count() == 2


def test_the_schedule_makes_each_report_once_and_tells_the_subscribers_once(complaints):
    w = complaints
    schedule = ComplaintReportSchedule.objects.create(kind="monthly", unit=w.hq, day=2)
    schedule.subscribers.add(w.manager, w.agent_b)  # the agent cannot see the company: not told
    assert schedules_run(today=date(2026, 12, 1)) == []  # its day has not come
    made = schedules_run(today=date(2026, 12, 2))
    assert len(made) == 1 and (made[0].since, made[0].until) == (date(2026, 11, 1), date(2026, 11, 30))
    assert made[0].generated_by is None and made[0].figures["now"]["total"] == 4
    assert schedules_run(today=date(2026, 12, 2)) == [] and schedules_run(today=date(2026, 12, 20)) == []
    told = Notification.objects.filter(kind="complaint_report")
    assert set(told.values_list("recipient__username", flat=True)) == {"manager"}
    assert told.filter(channel="inapp").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # a second worker's row cannot exist beside it
        ComplaintReport.objects.create(kind="monthly", unit=w.hq, since=date(2026, 11, 1), until=date(2026, 11, 30))


def test_root_causes_and_the_half_year_case_review(complaints, client_for):
    """c1 and c2 have their handling forms back (workmanship; process); c3 and c4 are open (not established). c1 is
    closed and published as a case, with a corrective action: the half-year review tells its story."""
    from anxin.complaints.models import CorrectiveAction

    w = complaints
    manager = fresh(w.manager)
    c1, c2 = (Complaint.objects.get(work_order__received_at=at(11, day)) for day in (3, 10))
    complaint_services.handling_form_return(complaint=c1, actor=manager, cause="workmanship", note="工程部签字")
    complaint_services.handling_form_return(complaint=c2, actor=manager, cause="process")
    WorkOrder.objects.filter(pk=c1.work_order_id).update(status="closed")
    c1.refresh_from_db()
    complaint_services.case_publish(complaint=c1, actor=manager, title="维修后又漏水", lesson="完工前试水十分钟")
    CorrectiveAction.objects.create(complaint=c1, kind="corrective", description="完工试水写进作业规范",
                                    owner=manager, due_on=date(2026, 12, 15))

    monthly = report_generate(kind="monthly", unit=w.hq, day=date(2026, 11, 17), actor=manager).figures["now"]
    assert [(r["key"], r["n"], r["share"]) for r in monthly["by_cause"]] == [("process", 1, 25.0),
                                                                            ("workmanship", 1, 25.0)]
    assert monthly["cause_unknown"] == 2

    review = report_generate(kind="half_year", unit=w.hq, day=date(2026, 11, 17), actor=manager)
    [case] = review.figures["cases"]
    assert (case["title"], case["cause"], case["remedies"]) == ("维修后又漏水", "workmanship", ["处理"])
    assert case["story"] == "上门迟到" and case["actions"][0]["description"] == "完工试水写进作业规范"
    client = client_for(w.manager)
    page = client.get(f"/reports/complaints/{review.pk}/").content.decode()
    for words in ("按根本原因", "施工质量", "流程或制度", "尚未查明", "案例回顾", "完工前试水十分钟", "完工试水写进作业规范"):
        assert words in page, words
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        client.get(f"/reports/complaints/{review.pk}/pdf/").content)).pages).replace("\n", "")
    assert "案例回顾" in text and "施工质量" in text and "完工前试水十分钟" in text
