"""The customer's tracking link (C10 QR code): signed, bound to one order, long-lived; shows public facts only —
number, status, the agreed window, the technician's name and the public timeline. Never phones or notes."""

from django.conf import settings
from django.core import signing

from anxin.accounts.selectors import name_for_customers
from anxin.field.models import Appointment
from anxin.workorders.models import WorkOrder
from anxin.workorders.selectors import public_timeline

SALT = "anxin.tracking.v1"


def tracking_path(order: WorkOrder) -> str:
    return f"/t/{signing.TimestampSigner(salt=SALT).sign(str(order.public_id))}/"


def tracking_url(order: WorkOrder) -> str:
    return f"{settings.SITE_URL}{tracking_path(order)}"


def order_for_token(token: str) -> WorkOrder | None:
    try:
        public_id = signing.TimestampSigner(salt=SALT).unsign(token, max_age=settings.TRACKING_LINK_DAYS * 86400)
    except signing.BadSignature:
        return None
    return WorkOrder.objects.filter(public_id=public_id).select_related("owner").first()


def public_view(order: WorkOrder) -> dict:
    appointment = Appointment.objects.filter(work_order=order, is_current=True).first()
    return {"order": order, "appointment": appointment, "timeline": public_timeline(order),
            "technician": name_for_customers(order.owner)}
