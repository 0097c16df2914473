"""What the customer may read: their orders and each order's public face.

The public timeline is an allow-list, not a filter on `is_public` alone: an entry shows its text only when its
type is one whose text is written for the customer; status changes show the new status, never the reason typed by
staff. Anything that looks like a phone number is masked on the way out, whoever wrote it.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from anxin.core.errors import NotFound
from anxin.core.phone import mask_phone, try_normalize_phone
from anxin.field.models import Appointment, Quote
from anxin.workorders.models import Attachment, WorkOrder, WorkOrderEvent
from anxin.workorders.states import Status

E = WorkOrderEvent.Type
# public entries whose text was written for the customer's eyes
TEXT_FOR_CUSTOMER = {E.REPLY_ADDED, E.CUSTOMER_MESSAGE, E.APPOINTMENT_SET, E.NOBODY_HOME, E.QUOTE_DECIDED}
# entries every customer sees as a line, without text, even if a service did not mark them public
ALWAYS_SHOWN = {E.CREATED, E.TRANSITIONED}
PHONE_LIKE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]\d{9}|0\d{2,3}[- ]?\d{7,8})(?!\d)")
MAX_ORDERS = 50


@dataclass
class TimelineLine:
    at: datetime
    label: str
    text: str
    mine: bool


def _mask_phones(text: str) -> str:
    return PHONE_LIKE.sub(lambda m: mask_phone(try_normalize_phone(m.group(0)) or "") or "****", text)


def public_timeline(order: WorkOrder) -> list[TimelineLine]:
    lines = []
    for e in order.events.filter(is_public=True) | order.events.filter(type__in=ALWAYS_SHOWN):
        if e.type == E.TRANSITIONED:
            label = _("Status: %(status)s") % {"status": Status(e.to_status).label}
            text = ""
        elif e.type == E.CREATED:
            label, text = _("Request received"), ""
        else:
            label = e.get_type_display()
            text = _mask_phones(e.body) if e.type in TEXT_FOR_CUSTOMER else ""
        lines.append(TimelineLine(at=e.created_at, label=label, text=text, mine=e.type == E.CUSTOMER_MESSAGE))
    lines.sort(key=lambda line: line.at)
    return lines


def orders_for_phone(phone: str):
    """The customer's orders, newest first (at most MAX_ORDERS), with what the list shows, in two queries."""
    current = Prefetch("appointments", queryset=Appointment.objects.filter(is_current=True), to_attr="current")
    return list(WorkOrder.objects.filter(customer__contacts__phone=phone).distinct()
                .select_related("owner", "category").prefetch_related(current)
                .order_by("-received_at")[:MAX_ORDERS])


def order_for_phone(phone: str, public_id) -> WorkOrder:
    """One of the customer's orders; another customer's order is NotFound, exactly like one that does not exist."""
    order = (WorkOrder.objects.filter(public_id=public_id, customer__contacts__phone=phone)
             .select_related("owner", "customer", "site", "category").first())
    if order is None:
        raise NotFound()
    return order


def order_page(order: WorkOrder) -> dict:
    appointment = Appointment.objects.filter(work_order=order, is_current=True).first()
    quote = (Quote.objects.filter(work_order=order).exclude(status=Quote.Status.SUPERSEDED)
             .prefetch_related("items").order_by("-revision").first())
    if quote is not None and quote.status in (Quote.Status.DRAFT, Quote.Status.NEEDS_APPROVAL):
        quote = None  # still being written or checked by the supervisor: not the customer's yet
    photos = list(Attachment.objects.filter(work_order=order, is_public=True, content_type__startswith="image/"))
    return {"order": order, "appointment": appointment, "quote": quote, "photos": photos,
            "technician": (order.owner.display_name or order.owner.first_name) if order.owner_id else "",
            "timeline": public_timeline(order)}


def public_photo(phone: str, order_public_id, photo_public_id) -> Attachment:
    order = order_for_phone(phone, order_public_id)
    photo = Attachment.objects.filter(work_order=order, public_id=photo_public_id, is_public=True).first()
    if photo is None:
        raise NotFound()
    return photo


def category_get(pk):
    from anxin.workorders.models import Category

    return Category.objects.filter(pk=pk or None, is_active=True).first() if str(pk or "").isdigit() else None


def service_centre_get(pk):
    from anxin.accounts.models import OrgUnit

    return OrgUnit.objects.filter(pk=pk, kind=OrgUnit.Kind.SITE).first() if str(pk or "").isdigit() else None
