"""Issue 10: past work orders from .xlsx or .csv — every bad row named, all or nothing, history in the reports."""

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook

from anxin.core.errors import DomainError, PermissionDeniedError
from anxin.devtools.testing.personas import fresh
from anxin.reports import selectors
from anxin.reports.history_services import history_import, history_run, history_upload, parse_time
from anxin.reports.models import HistoryImport
from anxin.reports.periods import Period
from anxin.reports.selectors import ReportFilters
from anxin.revisits.models import SelfRating
from anxin.search import selectors as search_selectors
from anxin.workorders.models import WorkOrder, WorkOrderEvent

HEADER = ["工单号", "类型", "渠道", "站点代码", "分类", "受理时间", "解决时间", "关闭时间", "状态", "标题", "描述",
          "客户手机", "满意度"]
GOOD = [
    ["H2025-0001", "报修", "热线", "SA", "漏水", "2025-03-01 10:00", "2025-03-01 15:00", "2025-03-02 09:00", "",
     "厨房水管漏水", "水槽下面滴水", "13800138000", "5"],
    ["H2025-0002", "投诉", "微信", "SA", "", "2025/3/5 9:30", "", "", "", "师傅迟到", "", "", ""],
    ["H2025-0003", "consultation", "hotline", "SA", "", "2025年3月9日 14:00", "2025年3月9日 14:10",
     "2025年3月9日 14:10", "已关闭", "咨询物业费", "", "", "4"],
    ["H2025-0004", "报修", "来访", "SA", "water.leak", "20250312 0800", "", "", "处理中", "卫生间渗水", "", "", ""],
    ["H2025-0005", "建议", "网站", "SA", "", "2025.03.20", "", "", "", "增加绿化", "", "", ""],
]


def write_csv(tmp_path, rows, name="history.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def write_xlsx(tmp_path, rows):
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    path = tmp_path / "history.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("text", ["2025-03-01 10:00", "2025/3/1 10:00", "2025年3月1日 10:00", "20250301 1000",
                                  "2025-03-01T10:00:00", "2025.03.01 10:00"])
def test_dates_as_desks_write_them(text):
    parsed = parse_time(text)
    assert (parsed.year, parsed.month, parsed.day, parsed.hour) == (2025, 3, 1, 10) and parsed.utcoffset().seconds == 8 * 3600


def _cache_size():
    from django.db import connection

    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_a_good_file_is_checked_then_imported_and_feeds_the_reports(world, tmp_path, writer, monkeypatch):
    from anxin.reports import history_services

    during = []
    write = history_services._write
    monkeypatch.setattr(history_services, "_write", lambda *a, **k: (during.append(_cache_size()), write(*a, **k)))
    path = writer(tmp_path, GOOD)
    manager = fresh(world.manager)
    checked = history_import(path, actor=manager, dry_run=True)
    assert checked.ok and checked.rows == 5 and not WorkOrder.objects.exists()
    cache_size = _cache_size()
    done = history_import(path, actor=manager, dry_run=False)
    assert _cache_size() == cache_size  # SQLite's larger page cache for the import is given back
    if cache_size is not None:  # SQLite: 128 MiB (a negative size is in KiB) while the rows were written
        assert during == [-history_services.IMPORT_PAGE_CACHE_KIB] and cache_size != during[0]
    assert done.imported == 5 and done.by_type == {"repair": 2, "complaint": 1, "consultation": 1, "suggestion": 1}
    o1 = WorkOrder.objects.get(number="H2025-0001")
    assert o1.status == "closed" and o1.customer == world.customer_a and o1.category == world.category
    assert o1.channel == "hotline" and o1.resolved_at.hour == 7  # 15:00 Beijing = 07:00 UTC
    assert WorkOrder.objects.get(number="H2025-0004").status == "in_progress"
    assert SelfRating.objects.count() == 2
    # each order's timeline starts with one "created" entry by the importer, in the order's status
    created = WorkOrderEvent.objects.filter(work_order__number__startswith="H2025-")
    assert created.count() == 5 and set(created.values_list("type", "actor", "to_status")) >= {
        (WorkOrderEvent.Type.CREATED, manager.pk, "closed"), (WorkOrderEvent.Type.CREATED, manager.pk, "in_progress")}
    assert created.first().data == {} and not created.first().is_public
    found = search_selectors.search(user=manager, query="卫生间渗水")  # found by search the moment it is in
    assert [h.object_id for h in found] == [WorkOrder.objects.get(number="H2025-0004").pk]
    volume = selectors.volume(user=manager, filters=ReportFilters(period=Period(date(2025, 3, 1), date(2025, 3, 31)),
                                                                   grain="month"))
    assert volume["total"] == 5  # last year is in the dashboard on day one
    again = history_import(path, actor=manager, dry_run=True)  # the same file twice: every number is known now
    assert again.error_count == 5 and "已" in again.errors[0].message


def test_every_bad_row_is_named_and_nothing_is_imported(world, tmp_path):
    bad = [
        *GOOD[:2],
        ["H2025-0001", "报修", "热线", "SA", "", "2025-03-01 10:00", "", "", "", "重复的单号", "", "", ""],
        ["H2025-0010", "天气", "热线", "SA", "", "2025-03-01 10:00", "", "", "", "类型不对", "", "", ""],
        ["H2025-0011", "报修", "热线", "SB-不存在", "", "明天", "", "", "", "站点和时间都不对", "", "", ""],
        ["H2025-0012", "报修", "热线", "SA", "", "2025-03-02 10:00", "2025-03-01 10:00", "", "", "先解决后受理", "",
         "12345", "9"],
        ["", "报修", "热线", "SA", "", "2025-03-01 10:00", "", "", "", "", "", "", ""],
        # the same wrong number again (numbers are parsed once a file): named again
        ["H2025-0013", "报修", "热线", "SA", "", "2025-03-02 10:00", "", "", "", "又是错号", "", "12345", ""],
    ]
    path = write_csv(tmp_path, bad)
    report = history_import(path, actor=fresh(world.manager), dry_run=False)
    assert report.imported == 0 and not WorkOrder.objects.exists()
    fields = {(e.row, e.field) for e in report.errors}
    assert {(4, "工单号"), (5, "类型"), (6, "站点代码"), (6, "受理时间"), (7, "解决时间"), (7, "客户手机"),
            (7, "满意度"), (8, "工单号"), (8, "标题"), (9, "客户手机")} <= fields


def test_files_that_are_not_history_get_a_clear_answer(world, tmp_path, settings):
    manager = fresh(world.manager)
    html = tmp_path / "x.csv"
    html.write_bytes(b"\x00\x01PNG binary")
    with pytest.raises(DomainError) as not_csv:
        history_import(html, actor=manager, dry_run=True)
    assert "CSV" in str(not_csv.value.message)
    fake_xlsx = tmp_path / "y.xlsx"
    fake_xlsx.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DomainError):
        history_import(fake_xlsx, actor=manager, dry_run=True)
    no_columns = tmp_path / "z.csv"
    no_columns.write_text("名称,电话\n张三,13800138000\n", encoding="utf-8")
    with pytest.raises(DomainError) as missing:
        history_import(no_columns, actor=manager, dry_run=True)
    assert "工单号" in str(missing.value.message)
    gbk = write_csv(tmp_path, GOOD[:1], name="gbk.csv", encoding="gbk")  # Excel on a Chinese Windows
    assert history_import(gbk, actor=manager, dry_run=True).ok
    settings.HISTORY_IMPORT_MAX_BYTES = 100
    with pytest.raises(DomainError) as big:
        history_import(gbk, actor=manager, dry_run=True)
    assert "MB" in str(big.value.message)
    with pytest.raises(PermissionDeniedError):
        history_import(gbk, actor=fresh(world.agent_a), dry_run=True)


def test_the_upload_page_checks_then_the_worker_imports_once(world, client_for, tmp_path,
                                                            django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(world.manager)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *GOOD])
    upload = SimpleUploadedFile("去年工单.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")
    checked = client.post("/reports/history/", {"file": upload})
    assert checked.status_code == 302
    job = HistoryImport.objects.get()
    page = client.get(checked["Location"]).content.decode()
    assert "5" in page and "确认导入" in page and job.state == "checked"
    with django_capture_on_commit_callbacks(execute=True):  # the task is queued when the confirmation commits
        confirmed = client.post(checked["Location"], {"confirm": "1"})
    assert confirmed.status_code == 302  # the immediate task backend ran the import already
    job.refresh_from_db()
    assert job.state == "done" and job.imported == 5 and WorkOrder.objects.count() == 5
    client.post(checked["Location"], {"confirm": "1"})  # a second click: nothing twice
    history_run(job.pk)
    assert WorkOrder.objects.count() == 5
    assert client_for(world.agent_a).get("/reports/history/").status_code == 403
    assert client_for(world.agent_b).get(checked["Location"]).status_code in (403, 404)
    bad = SimpleUploadedFile("坏.csv", ("\n".join([",".join(HEADER), "X1,天气,,SA,,昨天,,,,t,,,"])).encode(),
                             content_type="text/csv")
    refused = client_for(world.manager).post("/reports/history/", {"file": bad})
    assert refused.status_code == 400 and "类型" in refused.content.decode()


def test_upload_needs_the_right(world):
    with pytest.raises(PermissionDeniedError):
        history_upload(actor=fresh(world.agent_a), upload=None)


def test_another_users_upload_looks_missing_and_cannot_be_confirmed(world, client_for, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from anxin.accounts import services as account_services
    from anxin.accounts.roles import Role
    from anxin.devtools.testing.personas import PASSWORD
    from anxin.reports.history_services import history_confirm

    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *GOOD])
    job, _report = history_upload(actor=fresh(world.manager), upload=SimpleUploadedFile(
        "h.csv", buffer.getvalue().encode(), content_type="text/csv"))
    other = fresh(account_services.user_create(username="mgr2", password=PASSWORD, role=Role.SERVICE_MANAGER,
                                               org_unit=world.hq))
    client = client_for(other)
    assert client.get(f"/reports/history/{job.pk}/").status_code == 404
    assert client.post(f"/reports/history/{job.pk}/", {"confirm": "1"}).status_code == 404
    with pytest.raises(PermissionDeniedError):
        history_confirm(job=job, actor=other)
    job.refresh_from_db()
    assert job.state == "checked" and not WorkOrder.objects.exists()
