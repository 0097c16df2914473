"""Excel exports (B5, H4, J4): scoped rows in, a watermarked .xlsx out, audited.

SECURITY-CASES 15: every cell is written as text, and text that a spreadsheet would read as a formula
(= + - @, tab, CR) gets a leading apostrophe; control characters a sheet cannot hold (NUL, \x02 …) are
dropped, so one bad title or address never makes an export fail for everyone (issue 13). SECURITY-CASES 16: the caller passes rows already
limited to the user's scope and masked for the user's role; this module adds the watermark and the
audit row (who, filters, row count).
"""

import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.services import audit_record

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
MAX_ROWS = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# the control characters an .xlsx cell cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, kept here so that
# openpyxl — 28 MiB — loads only when someone exports, not in every web worker)
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def safe_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def xlsx_export(
    *, request: HttpRequest, filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence],
    object_type: str, filters: dict,
) -> HttpResponse:
    """Write rows (at most MAX_ROWS) to a watermarked sheet and record the export in the audit log."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    user = request.user
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    watermark = _("Exported by %(user)s (%(username)s) at %(time)s — confidential, for internal use only") % {
        "user": user, "username": user.username, "time": stamp}
    book = Workbook(write_only=True)
    book.properties.creator = f"Anxin · {user.username}"
    book.properties.title = title
    sheet = book.create_sheet(title[:31])
    sheet.oddFooter.center.text = watermark
    sheet.oddHeader.center.text = watermark
    mark = WriteOnlyCell(sheet, value=watermark)
    mark.font = Font(italic=True, color="888888")
    sheet.append([mark])
    sheet.append([WriteOnlyCell(sheet, value=h) for h in headers])
    count = 0
    for row in rows:
        if count >= MAX_ROWS:
            sheet.append([_("Stopped at %(n)d rows: narrow the filters.") % {"n": MAX_ROWS}])
            break
        sheet.append([safe_cell(v) for v in row])
        count += 1
    out = io.BytesIO()
    book.save(out)  # lint: allow-write (an openpyxl workbook, not a model)
    audit_record(actor=user, action="export", object_type=object_type, summary=f"{title}: {count}",
                 request=request, data={"filters": filters, "rows": count})
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}-{timezone.localtime():%Y%m%d-%H%M}.xlsx"'
    return response
