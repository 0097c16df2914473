"""C10: the printable 委托安装派工单 — the S2 fields in Chinese, three labelled copies (technician, customer,
desk), and a QR code with the customer's tracking link. Text is real text (extractable, searchable)."""

import io

from django.utils import timezone
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from anxin.core.pdf import chinese_font
from anxin.customers.selectors import phone_for_display
from anxin.field import selectors, tracking
from anxin.workorders.models import WorkOrder
from anxin.workorders.states import OPEN_STATUSES

COPIES = ["第一联 · 技术员联", "第二联 · 客户联", "第三联 · 服务台联"]


def _fmt(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def fields_for(order: WorkOrder, viewer) -> list[tuple[str, str]]:
    v = selectors.field_order_view(order=order)
    customer = order.customer
    contact = customer.contacts.first() if customer else None
    asset = order.asset
    job_type = v.job.job_type if v.job and v.job.job_type else None
    return [
        ("派工单号", order.number),
        ("工单类型", order.get_type_display()),
        ("安装/维修类别", job_type.name if job_type else ""),
        ("工时定额", f"{job_type.standard_minutes} 分钟" if job_type else ""),
        ("客户名称", customer.name if customer else ""),
        ("联系电话", phone_for_display(viewer, contact.phone,
                                   active_own_order=order.owner_id == viewer.id and order.status in OPEN_STATUSES)
         if contact else order.caller_number),
        ("地址", customer.address if customer else ""),
        ("产品", " ".join(p for p in (asset.brand, asset.name, asset.model, asset.serial_no) if p) if asset else ""),
        ("故障/需求", order.title),
        ("说明", order.description[:200]),
        ("预约时间", f"{_fmt(v.appointment.window_from)} – {_fmt(v.appointment.window_to)}" if v.appointment else ""),
        ("计划上门", _fmt(v.assignment.planned_start) if v.assignment else ""),
        ("工程负责人", str(v.assignment.technician) if v.assignment else str(order.owner or "")),
        ("派工人", str(v.assignment.dispatched_by or "") if v.assignment else ""),
        ("派工日期", _fmt(v.assignment.created_at) if v.assignment else ""),
        ("客户服务代表", str(order.taken_by or "")),
        ("保修", v.job.get_warranty_display() if v.job else ""),
        ("无需再次询问的项目", v.job.pre_authorised if v.job else ""),
    ]


def _wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)] or [""]


def workorder_pdf(*, order: WorkOrder, viewer) -> bytes:
    font = chinese_font()
    rows = fields_for(order, viewer)
    url = tracking.tracking_url(order)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"委托安装派工单 {order.number}")
    width, height = A4
    for copy in COPIES:
        y = height - 20 * mm
        pdf.setFont(font, 16)
        pdf.drawCentredString(width / 2, y, "委托安装派工单")
        pdf.setFont(font, 10)
        pdf.drawRightString(width - 15 * mm, y, copy)
        y -= 10 * mm
        for label, value in rows:
            lines = _wrap(str(value), 40)
            pdf.setFont(font, 10)
            pdf.drawString(20 * mm, y, f"{label}:")
            for line in lines:
                pdf.drawString(58 * mm, y, line)
                y -= 6 * mm
            pdf.line(20 * mm, y + 4.5 * mm, 150 * mm, y + 4.5 * mm)
        qr = QrCodeWidget(url)
        x0, y0, x1, y1 = qr.getBounds()
        size = 32 * mm
        drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
        drawing.add(qr)
        renderPDF.draw(drawing, pdf, width - 50 * mm, height - 65 * mm)
        pdf.setFont(font, 8)
        pdf.drawCentredString(width - 34 * mm, height - 68 * mm, "扫码查看进度")
        y -= 8 * mm
        pdf.setFont(font, 10)
        for label in ("客户签字:", "技术员签字:", "完工日期:"):
            pdf.drawString(20 * mm, y, label)
            pdf.line(45 * mm, y - 1 * mm, 110 * mm, y - 1 * mm)
            y -= 10 * mm
        pdf.setFont(font, 8)
        pdf.drawString(20 * mm, 12 * mm, f"安心客服 · 打印于 {_fmt(timezone.now())} · {url}")
        pdf.showPage()
    pdf.save()  # lint: allow-write (a reportlab canvas, not a model)
    return out.getvalue()


def quote_pdf(*, order: WorkOrder, quote, viewer) -> bytes:
    """The 委托安装估价单 the customer keeps: items, total, what may be done without asking, warranty, and the
    customer's signature with its time and SHA-256 (so a copy can be checked against the record)."""
    from reportlab.lib.utils import ImageReader

    font = chinese_font()
    job = selectors.field_order_view(order=order).job
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"委托安装估价单 {order.number} 第{quote.revision}版")
    width, height = A4
    y = height - 20 * mm
    pdf.setFont(font, 16)
    pdf.drawCentredString(width / 2, y, "委托安装估价单")
    y -= 10 * mm
    pdf.setFont(font, 10)
    customer = order.customer
    for label, value in (("工单号", order.number), ("版本", f"第 {quote.revision} 版 · {quote.get_status_display()}"),
                         ("客户", customer.name if customer else ""), ("地址", customer.address if customer else ""),
                         ("故障/需求", order.title), ("保修", job.get_warranty_display() if job else "")):
        pdf.drawString(20 * mm, y, f"{label}:{value}")
        y -= 6 * mm
    y -= 2 * mm
    columns = ((20, "类别"), (42, "项目"), (120, "数量"), (140, "单价(元)"), (165, "金额(元)"))
    for x, title in columns:
        pdf.drawString(x * mm, y, title)
    pdf.line(20 * mm, y - 2 * mm, 190 * mm, y - 2 * mm)
    y -= 7 * mm
    for item in quote.items.all():
        cells = (item.get_kind_display(), item.description[:30] + (" (价目表外)" if item.off_list else ""),
                 str(item.quantity), str(item.unit_price), str(item.amount))
        for (x, _title), text in zip(columns, cells, strict=True):
            pdf.drawString(x * mm, y, text)
        y -= 6 * mm
    pdf.line(20 * mm, y + 4 * mm, 190 * mm, y + 4 * mm)
    pdf.drawString(140 * mm, y, "合计")
    pdf.drawString(165 * mm, y, f"¥{quote.total}")
    y -= 10 * mm
    if job and job.pre_authorised:
        pdf.drawString(20 * mm, y, f"无需再次征询即可进行:{job.pre_authorised[:60]}")
        y -= 8 * mm
    sig = quote.signature
    if sig is not None:
        verdict = "同意" if sig.purpose == "quote_approved" else "拒绝"
        pdf.drawString(20 * mm, y, f"客户意见:{verdict} · 签字人:{sig.signer_name} · 时间:{_fmt(sig.signed_at)}")
        y -= 28 * mm
        pdf.drawImage(ImageReader(io.BytesIO(bytes(sig.image))), 20 * mm, y, width=60 * mm, height=24 * mm,
                      preserveAspectRatio=True, mask="auto")
        y -= 6 * mm
        pdf.setFont(font, 7)
        pdf.drawString(20 * mm, y, f"SHA-256 {sig.sha256}")
    else:
        pdf.drawString(20 * mm, y, "客户签字:")
        pdf.line(40 * mm, y - 1 * mm, 110 * mm, y - 1 * mm)
    pdf.setFont(font, 8)
    pdf.drawString(20 * mm, 12 * mm, f"安心客服 · 打印于 {_fmt(timezone.now())} · {viewer}")
    pdf.showPage()
    pdf.save()  # lint: allow-write (a reportlab canvas, not a model)
    return out.getvalue()
