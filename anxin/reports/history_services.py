"""Issue 10: import past work orders (a new customer's last years) from .xlsx or .csv, so every report has history
on day one. Rows are streamed (never the whole file in memory); a dry run reports every bad row; the import is all
or nothing per file, in one transaction, with a progress callback. Imported orders are indexed for search in the
same transaction, and their customer's rating, when given, counts in satisfaction (CSI)."""

import codecs
import csv
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import visible_unit_ids
from anxin.audit.services import audit_record
from anxin.core.bulk import among, insert_rows
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.core.phone import try_normalize_phone
from anxin.core.signals import changed
from anxin.core.text import without_controls
from anxin.customers.importing import RowError  # one row problem, as the customer import reports it
from anxin.customers.models import Contact
from anxin.reports.rollup_services import rollups_compact, rollups_merge
from anxin.revisits.models import SelfRating
from anxin.workorders.models import Category, Channel, WorkOrder, WorkOrderEvent
from anxin.workorders.states import Status, Type

SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH = 2000
MAX_ERRORS = 200  # listed; the count goes on
PHONES_KEPT = 100_000  # numbers remembered per file (about 15 MB): memory stays bounded on any file

HEADERS = {
    "工单号": "number", "number": "number", "类型": "type", "type": "type", "渠道": "channel", "channel": "channel",
    "站点代码": "site", "site": "site", "分类": "category", "category": "category", "受理时间": "received_at",
    "received": "received_at", "解决时间": "resolved_at", "resolved": "resolved_at", "关闭时间": "closed_at",
    "closed": "closed_at", "状态": "status", "status": "status", "标题": "title", "title": "title",
    "描述": "description", "description": "description", "客户手机": "phone", "phone": "phone",
    "满意度": "satisfaction", "satisfaction": "satisfaction",
}
REQUIRED = {"number": "工单号", "type": "类型", "site": "站点代码", "received_at": "受理时间", "title": "标题"}
LABELS = {v: k for k, v in HEADERS.items() if not k.isascii()}
# dates as desks write them: 2026-03-01 10:00, 2026/3/1 10:00, 2026年3月1日 10:00, 2026.03.01, 20260301 1000, ISO
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                "%Y/%m/%d", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日%H:%M", "%Y年%m月%d日", "%Y.%m.%d %H:%M",
                "%Y.%m.%d", "%Y%m%d %H%M", "%Y%m%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")

_DATE = re.compile(r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})|年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日"
                   r"|(?P<m3>\d{2})(?P<d3>\d{2}))(?:(?:[ T]|(?<=日))(?P<H>\d{1,2}):?(?P<M>\d{2})(?::(?P<S>\d{2}))?)?")


def _words(choices) -> dict[str, str]:
    """Codes and both languages' labels → code (the labels as the catalogue has them in Chinese)."""
    from django.utils import translation

    words = {}
    for code, label in choices:
        words[str(code).lower()] = code
        for language in ("zh-hans", "en"):
            with translation.override(language):
                text = str(label).lower()
            words[text] = code
            for part in text.split("/"):  # "网站/H5": 网站 or H5 alone too
                words.setdefault(part.strip(), code)
    return words


@dataclass
class HistoryReport:
    rows: int = 0
    valid: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    imported: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.valid > 0


def _fail(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID, message, {"field": "file"})


def parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    if isinstance(value, date):
        return datetime.combine(value, time.min, SHANGHAI)
    text = " ".join(str(value).strip().split())
    found = _DATE.fullmatch(text)
    if found:  # the usual forms by one regex: trying the formats in turn cost 64 µs a value, a third of an import
        y, m, d, hh, mm, ss = (found.group(g) for g in ("y", "m", "d", "H", "M", "S"))
        m, d = m or found.group("m2") or found.group("m3"), d or found.group("d2") or found.group("d3")
        return datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=SHANGHAI)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=SHANGHAI)  # noqa: DTZ007 — Beijing time, set here
        except ValueError:
            continue
    raise ValueError(text)


def _rows(path) -> Iterator[tuple[int, list]]:
    """(row number, values) of the first sheet or the CSV, header first — streamed."""
    if path.stat().st_size > settings.HISTORY_IMPORT_MAX_BYTES:
        raise _fail(_("The file is too large (at most %(mb)d MB).") % {"mb": settings.HISTORY_IMPORT_MAX_BYTES // 2**20})
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith(b"PK"):
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise _fail(_("This is not an Excel (.xlsx) or CSV file.")) from exc
        try:
            for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
                yield number, list(values)
        finally:
            book.close()
        return
    with open(path, "rb") as fh:
        sample = fh.read(65536)
    if b"\0" in sample:
        raise _fail(_("This is not an Excel (.xlsx) or CSV file."))
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
    except UnicodeDecodeError:
        encoding = "gb18030"  # what Excel on a Chinese Windows saves as "CSV"
    with open(path, encoding=encoding, errors="strict", newline="") as fh:
        try:
            yield from enumerate(csv.reader(fh), start=1)
        except (UnicodeDecodeError, csv.Error) as exc:
            raise _fail(_("The CSV file cannot be read: %(error)s") % {"error": str(exc)[:100]}) from exc


class _Checker:
    def __init__(self, actor: User):
        self.sites = {u.code: u for u in OrgUnit.objects.filter(id__in=visible_unit_ids(actor), kind=OrgUnit.Kind.SITE)}
        self.categories = {**{c.code.lower(): c for c in Category.objects.all()},
                           **{c.name.lower(): c for c in Category.objects.all()}}
        self.types, self.channels, self.statuses = _words(Type.choices), _words(Channel.choices), _words(Status.choices)
        self.seen: set[str] = set()
        self.phones: dict[str, str | None] = {}  # a customer's number recurs on their orders: parsed once a file

    def phone(self, raw: str) -> str | None:
        if raw not in self.phones:
            if len(self.phones) >= PHONES_KEPT:
                return try_normalize_phone(raw)
            self.phones[raw] = try_normalize_phone(raw)  # 47 µs each: a fifth of a row's check
        return self.phones[raw]

    def check(self, number: int, raw: dict, report: HistoryReport) -> dict | None:
        problems = []

        def err(key, message):
            problems.append(RowError(number, LABELS.get(key, key), message))

        clean: dict[str, Any] = {"row": number}
        for key in ("number", "title", "description", "site", "category", "type", "channel", "status", "phone"):
            clean[key] = without_controls(str(raw.get(key) if raw.get(key) is not None else "").strip())
        if not clean["number"] or len(clean["number"]) > 20:
            err("number", _("An order number of 1 to 20 characters is required."))
        elif clean["number"] in self.seen:
            err("number", _("This order number appears twice in the file."))
        self.seen.add(clean["number"])
        if not clean["title"]:
            err("title", _("A title is required."))
        clean["title"], clean["description"] = clean["title"][:100], clean["description"][:5000]
        clean["type"] = self.types.get(clean["type"].lower())
        if clean["type"] is None:
            err("type", _("Unknown type: use 报修, 投诉, 咨询 … or its code."))
        clean["channel"] = self.channels.get(clean["channel"].lower() or "hotline")
        if clean["channel"] is None:
            err("channel", _("Unknown channel."))
        clean["site"] = self.sites.get(clean["site"])
        if clean["site"] is None:
            err("site", _("Unknown site code, or a site outside your scope."))
        category = clean["category"]
        clean["category"] = self.categories.get(category.lower()) if category else None
        if category and clean["category"] is None:
            err("category", _("Unknown category."))
        for key in ("received_at", "resolved_at", "closed_at"):
            try:
                clean[key] = parse_time(raw.get(key))
            except ValueError:
                err(key, _("Not a date and time: write it like 2026-03-01 10:00."))
        if clean.get("received_at") is None and not any(p.field == LABELS["received_at"] for p in problems):
            err("received_at", _("The time received is required."))
        received = clean.get("received_at")
        for key in ("resolved_at", "closed_at"):
            if received and clean.get(key) and clean[key] < received:
                err(key, _("It cannot be before the time received."))
        status = clean["status"]
        clean["status"] = self.statuses.get(status.lower()) if status else (
            Status.CLOSED if clean.get("closed_at") else Status.RESOLVED if clean.get("resolved_at") else Status.NEW)
        if clean["status"] is None:
            err("status", _("Unknown status."))
        clean["phone"] = (self.phone(clean["phone"]) or "") if clean["phone"] else ""
        if raw.get("phone") and not clean["phone"]:
            err("phone", _("Enter a valid phone number."))
        score = raw.get("satisfaction")
        clean["satisfaction"] = None
        if score not in (None, ""):
            try:
                clean["satisfaction"] = int(float(str(score).strip()))
                if not 1 <= clean["satisfaction"] <= 5:
                    raise ValueError
            except ValueError:
                err("satisfaction", _("Satisfaction is a whole number from 1 to 5."))
        report.rows += 1
        if problems:
            report.error_count += len(problems)
            report.errors.extend(problems[: max(0, MAX_ERRORS - len(report.errors))])
            return None
        report.valid += 1
        return clean


def _records(path, actor: User, report: HistoryReport) -> Iterator[dict]:
    rows = _rows(path)
    _n, header = next(rows, (0, []))
    columns = [HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip())) for h in header]
    missing = [label for key, label in REQUIRED.items() if key not in columns]
    if missing:
        raise _fail(_("Missing columns: %(cols)s") % {"cols": "、".join(missing)})
    checker = _Checker(actor)
    for number, values in rows:
        if not any(v not in (None, "") for v in values):
            continue
        clean = checker.check(number, {c: v for c, v in zip(columns, values, strict=False) if c}, report)
        if clean is not None:
            yield clean


def _existing_numbers(numbers: list[str]) -> set[str]:
    where, params = among("number", numbers, text=True)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number FROM {WorkOrder._meta.db_table} WHERE {where}", params)
        return {n for (n,) in cursor.fetchall()}


def history_import(path, *, actor: User, dry_run: bool,
                   progress: Callable[[int], None] | None = None) -> HistoryReport:
    """Check every row (dry run), or — when every row is good — write them all in one transaction."""
    if not actor.has_perm("reports.import_history"):
        raise PermissionDeniedError()
    report = HistoryReport()
    pending: list[dict] = []

    def flush(write: bool) -> None:
        clash = _existing_numbers([r["number"] for r in pending])
        for r in pending:
            if r["number"] in clash:
                report.error_count += 1
                report.valid -= 1
                if len(report.errors) < MAX_ERRORS:
                    report.errors.append(RowError(r["row"], "工单号", _("Order %(number)s is already in Anxin.")
                                                  % {"number": r["number"]}))
        if write and not report.error_count:
            _write(pending, actor, report)
        pending.clear()
        if progress and not write:
            progress(report.rows)

    if dry_run:
        for clean in _records(path, actor, report):
            pending.append(clean)
            if len(pending) >= BATCH:
                flush(False)
        flush(False)
        if not report.rows:
            raise _fail(_("The file holds no rows."))
        return report
    # a dry run first (cheap, streamed): nothing is written unless every row is good. Its progress is what others
    # can see: the write pass runs in one transaction, so its own progress would only appear at the end.
    checked = history_import(path, actor=actor, dry_run=True, progress=progress)
    if not checked.ok:
        return checked
    with _large_page_cache(), transaction.atomic():
        for clean in _records(path, actor, report):
            pending.append(clean)
            if len(pending) >= BATCH:
                flush(True)
        flush(True)
        if report.error_count:  # a clash appeared since the check: keep nothing
            transaction.set_rollback(True)
            report.imported = 0
            return report
        audit_record(actor=actor, action="import", object_type="workorders.workorder",
                     summary=f"history: {report.imported} orders", data={"file": path.name, "by_type": report.by_type})
    rollups_merge()  # the triggers wrote a rollup row per order: one per day and type again before anyone looks
    if not transaction.get_connection().in_atomic_block:
        rollups_compact()  # and the space those rows took is given back (PostgreSQL)
    return report


IMPORT_PAGE_CACHE_KIB = 131_072


@contextmanager
def _large_page_cache():
    """SQLite: a 128 MiB page cache while the import writes (the connection's usual 16 MiB is given back after).
    The orders' 15 indexes at a million rows do not fit the usual cache: each insert read index pages back from the
    file (100k rows: 51 → 47 s; peak RSS +130 MiB, still flat). PostgreSQL's cache is the server's."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        usual = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size=-{IMPORT_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={int(usual)}")


def _write(rows: list[dict], actor: User, report: HistoryReport) -> None:
    phones = {r["phone"] for r in rows if r["phone"]}
    customers = {(c.phone, c.customer.site_id): c.customer_id
                 for c in Contact.objects.filter(phone__in=phones).select_related("customer")}
    values = [{
        "number": r["number"], "type": r["type"], "channel": r["channel"], "site_id": r["site"].pk,
        "category_id": r["category"].pk if r["category"] else None, "title": r["title"],
        "description": r["description"], "status": r["status"], "received_at": r["received_at"],
        "resolved_at": r["resolved_at"] or (r["closed_at"] if r["status"] in (Status.RESOLVED, Status.CLOSED) else None),
        "closed_at": r["closed_at"] if r["status"] == Status.CLOSED else None,
        "customer_id": customers.get((r["phone"], r["site"].pk)), "caller_number": r["phone"],
    } for r in rows]
    ids = _insert_orders(values)
    _events_created(list(ids.values()), actor)
    ratings = [{"work_order_id": ids[r["number"]], "overall": r["satisfaction"], "timeliness": r["satisfaction"],
                "attitude": r["satisfaction"], "quality": r["satisfaction"]} for r in rows if r["satisfaction"]]
    if ratings:
        insert_rows(SelfRating, ratings)
    changed("order", *ids.values())  # the search index, in this transaction
    report.imported += len(rows)
    for r in rows:
        report.by_type[r["type"]] = report.by_type.get(r["type"], 0) + 1


def _insert_orders(values: list[dict]) -> dict[str, int]:
    """Order number → id of the new orders, written by `core.bulk` (from JSON on PostgreSQL, `executemany` on
    SQLite): `bulk_create` spent ~130 µs an order building and adapting its values — a third of a million-row
    import."""
    return dict(insert_rows(WorkOrder, values, returning="number, id"))


def _events_created(ids: list[int], actor: User) -> None:
    """Each order's "created" timeline entry, in one statement read from the orders: building 2,000 event objects
    cost more than inserting them (60 of 70 µs an order)."""
    if not ids:
        return
    table, orders = WorkOrderEvent._meta.db_table, WorkOrder._meta.db_table
    where, params = among("id", ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (work_order_id, type, actor_id, from_status, to_status, reason, body, is_public, "
            f"data, created_at) SELECT id, %s, %s, '', status, '', %s, %s, %s, %s FROM {orders} WHERE {where}",
            [WorkOrderEvent.Type.CREATED, actor.pk, _("Imported from history"), False, "{}", timezone.now(), *params])


# --- the upload page's job: checked at upload, imported by the worker after the confirmation -----------------------

def history_upload(*, actor: User, upload) -> tuple[object | None, HistoryReport]:
    """Store the upload under a server-made name and check it (dry run)."""
    import secrets

    from anxin.reports.models import HistoryImport

    if not actor.has_perm("reports.import_history"):
        raise PermissionDeniedError()
    if upload.size > settings.HISTORY_IMPORT_MAX_BYTES:
        raise _fail(_("The file is too large (at most %(mb)d MB).") % {"mb": settings.HISTORY_IMPORT_MAX_BYTES // 2**20})
    folder = settings.VAR_DIR / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    stored = f"history-{secrets.token_hex(12)}"
    path = folder / stored
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        report = history_import(path, actor=actor, dry_run=True)
    except DomainError:
        path.unlink(missing_ok=True)
        raise
    if not report.ok:
        path.unlink(missing_ok=True)
        return None, report
    job = HistoryImport.objects.create(user=actor, file_name=str(upload.name)[:200], stored_name=stored,
                                       rows=report.rows)
    return job, report


def history_confirm(*, job, actor: User) -> None:
    """Queue the checked file for the worker (once: a second click changes nothing)."""
    from anxin.reports.models import HistoryImport

    if job.user_id != actor.pk:
        raise PermissionDeniedError()
    if HistoryImport.objects.filter(pk=job.pk, state=HistoryImport.State.CHECKED).update(
            state=HistoryImport.State.QUEUED):
        from anxin.reports.tasks import history_import_task

        transaction.on_commit(lambda: history_import_task.enqueue(job.pk))


def history_run(job_id: int) -> None:
    """In the worker: import a queued file, writing progress as it goes; all or nothing."""
    from anxin.reports.models import HistoryImport

    if not HistoryImport.objects.filter(pk=job_id, state=HistoryImport.State.QUEUED).update(
            state=HistoryImport.State.RUNNING):
        return  # already taken (two workers) or not confirmed
    job = HistoryImport.objects.select_related("user").get(pk=job_id)
    path = settings.VAR_DIR / "imports" / job.stored_name

    def progress(done: int) -> None:
        HistoryImport.objects.filter(pk=job_id).update(done=done)

    try:
        report = history_import(path, actor=job.user, dry_run=False, progress=progress)
    except DomainError as exc:
        HistoryImport.objects.filter(pk=job_id).update(state=HistoryImport.State.FAILED, message=str(exc)[:500])
        return
    if report.imported:
        HistoryImport.objects.filter(pk=job_id).update(state=HistoryImport.State.DONE, imported=report.imported,
                                                       done=report.rows)
        path.unlink(missing_ok=True)
    else:
        first = report.errors[0] if report.errors else None
        HistoryImport.objects.filter(pk=job_id).update(
            state=HistoryImport.State.FAILED,
            message=(f"{first.field}: {first.message}" if first else _("No row was imported."))[:500])


def history_job_get_for(*, user: User, pk: int):
    """One's own upload; anyone else's looks missing."""
    from anxin.core.errors import NotFound
    from anxin.reports.models import HistoryImport

    job = HistoryImport.objects.filter(pk=pk, user=user).first()
    if job is None:
        raise NotFound()
    return job
