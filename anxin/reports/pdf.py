"""H3: a stored complaint report as a Chinese PDF (text only, so it extracts and prints), watermarked with the reader."""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from anxin.core.pdf import chinese_font


def sections(report, figures: dict) -> list[tuple[str, list[str], list[list]]]:
    """(title, headers, rows) of every table of the report — the page, the sheet and the PDF show the same."""
    now, before = figures["now"], figures["before"]

    def pct(value):
        return "—" if value is None else f"{value}%"

    out = [(_("Summary"), [_("Figure"), _("This period"), _("Previous period")], [
        [_("Complaints"), now["total"], before["total"]],
        [_("Change against the previous period"), pct(figures["change"]), ""],
        [_("Resolved"), now["resolved"], before["resolved"]],
        [_("Still open"), now["open"], ""],
        [_("Mean hours to resolve"), now["hours_mean"] if now["hours_mean"] is not None else "—",
         before["hours_mean"] if before["hours_mean"] is not None else "—"],
        [_("Median hours to resolve"), now["hours_median"] if now["hours_median"] is not None else "—", ""],
        [_("Resolved by the date promised"), f"{now['on_promise']} / {now['promised']} ({pct(now['on_promise_rate'])})",
         ""],
        [_("Group complaints"), now["group"], ""],
        [_("Threatened media or a regulator"), now["media"], ""],
        [_("About a staff member"), now["about_staff"], ""],
        [_("Compensation paid (yuan)"), now["paid_total"], before["paid_total"]],
    ])]
    out.append((_("By category"), [_("Category"), _("Count"), _("Share"), _("Previous period")],
                [[t["label"], t["n"], pct(next((c["share"] for c in now["by_category"] if c["key"] == t["key"]), None)),
                  t["before"]] for t in figures["trend"]]))
    out.append((_("By severity"), [_("Severity"), _("Count"), _("Share")],
                [[r["label"], r["n"], pct(r["share"])] for r in now["by_severity"]]))
    out.append((_("By root cause"), [_("Root cause"), _("Count"), _("Share")],
                [[r["label"], r["n"], pct(r["share"])] for r in now["by_cause"]]
                + ([[_("Not established yet"), now["cause_unknown"], ""]] if now.get("cause_unknown") else [])))
    out.append((_("By department"), [_("Service centre"), _("Count"), _("Share")],
                [[r["key"], r["n"], pct(r["share"])] for r in now["by_unit"]]))
    out.append((_("Compensation paid"), [_("Remedy"), _("Times"), _("Amount (yuan)")],
                [[r["label"], r["n"], r["amount"]] for r in now["paid"]]))
    if figures["cases"] and "story" in figures["cases"][0]:  # the half-year case review
        out.append((_("Case review"), [_("Order"), _("Case"), _("What happened"), _("Why"), _("What was done"),
                                       _("Lesson")],
                    [[c["number"], f"{c['title']}（{c['category']}）", c["story"], c["cause"] or "—",
                      "；".join([*c["remedies"], *(_describe_action(a) for a in c["actions"])]) or "—", c["lesson"]]
                     for c in figures["cases"]]))
    elif figures["cases"]:
        out.append((_("Cases for review"), [_("Order"), _("Title"), _("Lesson")],
                    [[c["number"], c["title"], c["lesson"]] for c in figures["cases"]]))
    if figures["list"]:
        out.append((_("Complaints of the month"), [_("Order"), _("Received"), _("Service centre"), _("Category"),
                                                   _("Severity"), _("Status"), _("Days to resolve"), _("Paid")],
                    [[r["number"], r["received"], r["unit"], r["category"], r["severity"], r["status"],
                      r["days"] if r["days"] is not None else "—", r["paid"]] for r in figures["list"]]))
    return out


def page_sections(report, figures: dict) -> list[tuple]:
    """The same sections for the page: the case review as a story per case (heading: text pairs) rather than a
    six-column table, which a phone cannot show."""
    narrative = _("Case review")
    return [(title, headers, rows, [list(zip(headers, row, strict=True)) for row in rows] if title == narrative else None)
            for title, headers, rows in sections(report, figures)]


def _describe_action(action: dict) -> str:
    kind = _("Corrective") if action["kind"] == "corrective" else _("Preventive")
    state = _("done") if action["done"] else _("due %(date)s") % {"date": action["due"]}
    return f"{kind}: {action['description']} ({state})"


def complaint_report_pdf(*, report, figures: dict, viewer) -> bytes:
    font = chinese_font()
    out = io.BytesIO()
    title = f"{report.get_kind_display()} · {report.unit.name} · {report.since} – {report.until}"
    mark = _("Printed by %(user)s at %(time)s — confidential, for internal use only") % {
        "user": viewer, "time": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    doc = SimpleDocTemplate(out, pagesize=A4, title=title, author="Anxin", leftMargin=15 * mm, rightMargin=15 * mm)
    heading = ParagraphStyle("h", fontName=font, fontSize=15, leading=20, spaceAfter=4 * mm)
    sub = ParagraphStyle("s", fontName=font, fontSize=11, leading=15, spaceBefore=4 * mm, spaceAfter=2 * mm)
    cell = ParagraphStyle("c", fontName=font, fontSize=8.5, leading=11)
    story = [Paragraph(escape(title), heading)]
    for name, headers, rows in sections(report, figures):
        story.append(Paragraph(escape(name), sub))
        # Paragraph reads markup: what users typed (a case title with <img …>) must stay text
        data = [[Paragraph(escape(str(h)), cell) for h in headers]] + [[Paragraph(escape(str(v)), cell) for v in row]
                                                                       for row in rows]
        if len(data) == 1:
            data.append([Paragraph("—", cell)] + [""] * (len(headers) - 1))
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f5")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(table)
    story.append(Spacer(1, 4 * mm))

    def footer(canvas, _doc):
        canvas.setFont(font, 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(15 * mm, 10 * mm, mark)

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
