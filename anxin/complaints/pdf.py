"""D7 (issue 5 §7): the complaint's tracking record (投诉处理跟踪记录单) as a PDF — intake, owner and date told,
every round with its approval and the customer's answer, actions, the handling form, and the timeline."""

import io

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from anxin.complaints.models import Complaint
from anxin.core.pdf import chinese_font
from anxin.customers.selectors import phone_for_display


def _t(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def tracking_record_pdf(*, complaint: Complaint, viewer, proposals, actions, events) -> bytes:
    font = chinese_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=16, leading=22, alignment=1)
    h2 = ParagraphStyle("h2", parent=body, fontSize=11.5, leading=17, spaceBefore=8)
    order = complaint.work_order
    customer = order.customer
    contact = customer.contacts.first() if customer else None

    def p(text) -> Paragraph:
        return Paragraph(str(text or "").replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br/>"), body)

    def table(rows, widths) -> Table:
        t = Table([[p(c) for c in r] for r in rows], colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    story = [Paragraph("投诉处理跟踪记录单", head), Spacer(1, 4 * mm)]
    kv = [
        ("投诉编号", order.number), ("受理时间", _t(order.received_at)), ("受理人", order.taken_by or ""),
        ("客户", customer.name if customer else ""), ("客户等级", customer.get_tier_display() if customer else ""),
        ("联系电话", phone_for_display(viewer, contact.phone) if contact else ""),
        ("投诉类别", complaint.get_category_display()), ("严重程度", complaint.get_severity_display()),
        ("群体投诉 / 媒体威胁", f"{'是' if complaint.is_group else '否'} / {'是' if complaint.media_threat else '否'}"),
        ("投诉事由", complaint.what_happened), ("客户诉求", complaint.customer_wants),
        ("涉及工单 / 人员", f"{complaint.about_order or ''} {complaint.about_staff or ''}".strip()),
        ("责任人", order.owner or ""), ("告知客户的预计解决日期", complaint.expected_resolution_on or ""),
        ("当前状态", order.get_status_display()), ("解决时间", _t(order.resolved_at)),
        ("投诉处理单回收", f"{_t(complaint.handling_form_returned_at)} {complaint.handling_form_note}".strip()),
        ("根本原因", complaint.get_cause_display() if complaint.cause else ""),
    ]
    story.append(table([("项目", "内容"), *kv], [45 * mm, 130 * mm]))
    story.append(Paragraph("处理轮次", h2))
    rounds = [("轮次", "补救方式", "金额(元)", "措施", "审批", "客户意见", "确认人 / 方式 / 时间")]
    for r in proposals:
        rounds.append((r.round, r.get_kind_display(), r.amount, r.measures,
                       f"{r.get_approval_display()} {r.decided_by or ''}".strip(), r.get_answer_display(),
                       f"{r.answer_by} {r.get_answer_method_display() if r.answer_method else ''} {_t(r.answered_at)}"
                       .strip() if r.answer_by else ""))
    story.append(table(rounds, [12 * mm, 22 * mm, 18 * mm, 45 * mm, 25 * mm, 20 * mm, 33 * mm]))
    story.append(Paragraph("纠正与预防措施", h2))
    acts = [("类别", "措施", "负责人", "完成期限")]
    acts += [(a.get_kind_display(), a.description, a.owner, a.due_on) for a in actions]
    story.append(table(acts, [20 * mm, 95 * mm, 30 * mm, 30 * mm]))
    story.append(Paragraph("跟踪记录", h2))
    log = [("时间", "经办人", "事项", "说明")]
    for e in events:
        what = e.get_type_display()
        if e.to_status:
            what += f" → {e.get_to_status_display()}"
        log.append((_t(e.created_at), e.actor or "系统", what, (e.reason + " " + e.body).strip()[:300]))
    story.append(table(log, [30 * mm, 25 * mm, 45 * mm, 75 * mm]))
    story.append(Spacer(1, 6 * mm))
    story.append(p(f"打印:{viewer} · {_t(timezone.now())}"))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"投诉处理跟踪记录单 {order.number}")
    doc.build(story)
    return out.getvalue()
