"""B5: import customers and assets from Excel. A dry run reports every bad row; commit is all or nothing.

openpyxl parses XML with defusedxml when it is installed (it is a dependency), which guards
against entity-expansion bombs.
"""

import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import visible_unit_ids
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, PermissionDeniedError
from anxin.core.phone import try_normalize_phone
from anxin.customers import services
from anxin.customers.errors import CustomerErrorCode
from anxin.customers.models import Contact, Customer

# Column header (Chinese as users write it, or English) → field.
HEADERS = {
    "客户名称": "name", "name": "name", "类型": "kind", "kind": "kind", "手机": "phone", "电话": "phone",
    "phone": "phone", "联系人": "contact_name", "contact": "contact_name", "站点代码": "site", "site": "site",
    "等级": "tier", "tier": "tier", "地址": "address", "address": "address", "邮编": "postcode",
    "postcode": "postcode", "产品": "asset_name", "product": "asset_name", "品牌": "brand", "brand": "brand",
    "型号": "model", "model": "model", "规格": "spec", "spec": "spec", "序列号": "serial_no", "serial": "serial_no",
    "购买日期": "purchased_on", "purchase date": "purchased_on", "保修截止": "warranty_ends_on",
    "warranty end": "warranty_ends_on",
}
REQUIRED = ("name", "phone", "site")
KIND_WORDS = {"个人": "person", "person": "person", "": "person", "单位": "organisation", "organisation": "organisation",
              "企业": "organisation"}
TIER_WORDS = {"钻石": "diamond", "金": "gold", "银": "silver", "基础": "basic", "": "basic",
              **{t: t for t in Customer.Tier.values}}
MAX_ROWS = 20000


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ImportReport:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created_customers: int = 0
    created_assets: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _fail(message: str) -> DomainError:
    return DomainError(CustomerErrorCode.IMPORT_INVALID, message, {"field": "file"})


def _as_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    return datetime.strptime(text, "%Y-%m-%d").date()  # noqa: DTZ007 — a calendar date, no time zone


def read_rows(path) -> list[tuple[int, dict[str, Any]]]:
    """Rows keyed by field name, with their Excel row number. Raises DomainError for a bad file."""
    if path.stat().st_size > settings.IMPORT_MAX_BYTES:
        raise _fail(_("The file is too large."))
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _fail(_("This is not an Excel (.xlsx) file.")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        columns = [HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip())) for h in header]
        missing = [f for f in REQUIRED if f not in columns]
        if missing:
            names = {"name": "客户名称", "phone": "手机", "site": "站点代码"}
            raise _fail(_("Missing columns: %(cols)s") % {"cols": "、".join(names[m] for m in missing)})
        out = []
        for number, values in enumerate(rows, start=2):
            if number - 1 > MAX_ROWS:
                raise _fail(_("Too many rows (at most %(n)d).") % {"n": MAX_ROWS})
            if not any(v not in (None, "") for v in values):
                continue
            out.append((number, {c: v for c, v in zip(columns, values, strict=False) if c}))
        return out
    finally:
        workbook.close()


def validate(rows, *, actor: User) -> ImportReport:
    report = ImportReport()
    sites = {u.code: u for u in OrgUnit.objects.filter(id__in=visible_unit_ids(actor))}
    seen_phones: dict[str, int] = {}
    for number, raw in rows:
        clean: dict[str, Any] = {"row": number}
        errors_before = len(report.errors)

        def err(field_name: str, message: str, number=number) -> None:
            report.errors.append(RowError(number, field_name, message))

        name = str(raw.get("name") or "").strip()
        if not name:
            err("客户名称", _("Name is required."))
        elif len(name) > 100:
            err("客户名称", _("Name is too long (at most 100 characters)."))
        clean["name"] = name
        phone = try_normalize_phone(str(raw.get("phone") or ""))
        if not phone:
            err("手机", _("Enter a valid phone number."))
        clean["phone"] = phone
        site = sites.get(str(raw.get("site") or "").strip())
        if site is None:
            err("站点代码", _("Unknown site code, or a site outside your scope."))
        clean["site"] = site
        kind = KIND_WORDS.get(str(raw.get("kind") or "").strip().lower())
        if kind is None:
            err("类型", _("Use 个人 or 单位."))
        clean["kind"] = kind
        tier = TIER_WORDS.get(str(raw.get("tier") or "").strip())
        if tier is None:
            err("等级", _("Unknown tier."))
        clean["tier"] = tier
        for key, label in (("purchased_on", "购买日期"), ("warranty_ends_on", "保修截止")):
            try:
                clean[key] = _as_date(raw.get(key))
            except ValueError:
                err(label, _("Use a date like 2026-03-01."))
        if clean.get("purchased_on") and clean.get("warranty_ends_on") and clean["warranty_ends_on"] < clean["purchased_on"]:
            err("保修截止", _("The warranty cannot end before the purchase date."))
        postcode = str(raw.get("postcode") or "").strip()
        if postcode and (len(postcode) != 6 or not postcode.isdigit()):
            err("邮编", _("A postcode has 6 digits."))
        clean["postcode"] = postcode
        for key in ("contact_name", "address", "asset_name", "brand", "model", "spec", "serial_no"):
            clean[key] = str(raw.get(key) or "").strip()[:100]
        if phone and site is not None:
            key = f"{site.code}:{phone}"
            if key in seen_phones:
                clean["same_as_row"] = seen_phones[key]
            else:
                seen_phones[key] = number
        if len(report.errors) == errors_before:
            report.rows.append(clean)
    return report


def import_customers(path, *, actor: User, dry_run: bool) -> ImportReport:
    """Validate every row; unless dry_run and only if all rows are valid, create them in one transaction.

    A row whose phone already belongs to a customer of that site adds its asset to that customer.
    """
    if not actor.has_perm("customers.import_customers"):
        raise PermissionDeniedError()
    report = validate(read_rows(path), actor=actor)
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        for row in report.rows:
            try:
                _import_row(row, report)
            except DomainError as exc:
                # Nothing is half-imported: report the row and roll every row back.
                report.errors.append(RowError(row["row"], str(exc.extra.get("field", "")), str(exc.message)))
                report.created_customers = report.created_assets = 0
                transaction.set_rollback(True)
                return report
        audit_record(actor=actor, action="import", object_type="customers.customer",
                     summary=f"{report.created_customers} customers, {report.created_assets} assets",
                     data={"rows": len(report.rows)})
    return report


def _import_row(row: dict[str, Any], report: ImportReport) -> None:
    existing = (Contact.objects.select_related("customer")
                .filter(phone=row["phone"], customer__site=row["site"]).first())
    customer = existing.customer if existing else None
    if customer is None:
        customer = services.customer_create(
            actor=None, site=row["site"], name=row["name"], kind=row["kind"], tier=row["tier"],
            address_text=row["address"], address={"postcode": row["postcode"]},
            contacts=[{"phone": row["phone"], "name": row["contact_name"]}],
        )
        report.created_customers += 1
    if row["asset_name"]:
        services.asset_create(customer=customer, actor=None, name=row["asset_name"], brand=row["brand"],
                              model=row["model"], spec=row["spec"], serial_no=row["serial_no"],
                              purchased_on=row["purchased_on"], warranty_ends_on=row["warranty_ends_on"])
        report.created_assets += 1
