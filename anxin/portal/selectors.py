"""What the customer may read: their orders, each order's public face, and the slots they may pick."""

from django.conf import settings
from django.db.models import F, Prefetch
from django.utils.translation import gettext as _

from anxin.accounts.models import OrgUnit
from anxin.accounts.selectors import name_for_customers
from anxin.core.compiled import A_TEXT, A_UUID, AN_ID, CompiledRead
from anxin.core.errors import NotFound
from anxin.customers.models import Contact, Customer
from anxin.field.models import Appointment, JobType, Quote
from anxin.portal import slots
from anxin.workorders.models import Attachment, Category, WorkOrder
from anxin.workorders.selectors import public_timeline

MAX_ORDERS = 50


def _customers_of(phone: str):
    """The archive records with this number as a contact, as a subquery: a join to the contacts made PostgreSQL plan
    a five-table join (and a DISTINCT over every column) on each page — 4–6 ms of planning for a 0.3 ms read."""
    return Contact.objects.filter(phone=phone).values("customer_id")


_orders_of_phone = CompiledRead(
    lambda phone: WorkOrder.objects.filter(customer_id__in=_customers_of(phone))
    .only("public_id", "number", "title", "status", "received_at")
    .prefetch_related(Prefetch("appointments", queryset=Appointment.objects.filter(is_current=True), to_attr="current"))
    .order_by("-received_at", "-id")[:MAX_ORDERS], A_TEXT)


def orders_for_phone(phone: str):
    """The customer's orders, newest first (at most MAX_ORDERS), with what the list shows, in two queries."""
    return _orders_of_phone(phone)


_order_of_phone = CompiledRead(
    lambda phone, public_id: WorkOrder.objects.filter(public_id=public_id, customer_id__in=_customers_of(phone))
    .order_by("id")[:1], A_TEXT, A_UUID)


def order_for_phone(phone: str, public_id) -> WorkOrder:
    """One of the customer's orders; another customer's order is NotFound, exactly like one that does not exist.
    Its technician, customer and site load when a page or an action reads them."""
    order = _order_of_phone.first(phone, public_id)
    if order is None:
        raise NotFound()
    return order


_current_appointment = CompiledRead(
    lambda order_id: Appointment.objects.filter(work_order_id=order_id, is_current=True).order_by("id")[:1], AN_ID)
_latest_quote = CompiledRead(
    lambda order_id: Quote.objects.filter(work_order_id=order_id).exclude(status=Quote.Status.SUPERSEDED)
    .prefetch_related("items").order_by("-revision")[:1], AN_ID)
_public_photos = CompiledRead(
    lambda order_id: Attachment.objects.filter(work_order_id=order_id, is_public=True,
                                               content_type__startswith="image/").order_by("id"), AN_ID)


def order_page(order: WorkOrder) -> dict:
    appointment = _current_appointment.first(order.pk)
    quote = _latest_quote.first(order.pk)
    if quote is not None and quote.status in (Quote.Status.DRAFT, Quote.Status.NEEDS_APPROVAL):
        quote = None  # still being written or checked by the supervisor: not the customer's yet
    photos = _public_photos(order.pk)
    return {"order": order, "appointment": appointment, "quote": quote, "photos": photos,
            "technician": name_for_customers(order.owner),
            "timeline": public_timeline(order)}


_customers_of_phone = CompiledRead(
    lambda phone: Customer.objects.filter(pk__in=_customers_of(phone)).annotate(site_name=F("site__name")).order_by("id"),
    A_TEXT)


def customers_for_phone(phone: str) -> list[Customer]:
    """Every archive record with this number as a contact: the addresses the customer may file for, each with its
    `site_name` (the service centre's whole record loads when a caller reads `.site`)."""
    return _customers_of_phone(phone)


def job_type_for(category: Category | None) -> JobType | None:
    if category is None:
        return None
    return JobType.objects.filter(category=category, is_active=True).order_by("id").first()


def slots_for_form(*, phone: str, category_id, address: str, new_site_id) -> list[slots.Slot] | None:
    """The free slots for the new-request form's choices; None until a category and an address are chosen."""
    category = (Category.objects.filter(pk=category_id, is_active=True).first()
                if str(category_id or "").isdigit() else None)
    if address == "new":
        site = (OrgUnit.objects.filter(pk=new_site_id, kind=OrgUnit.Kind.SITE).first()
                if str(new_site_id or "").isdigit() else None)
    else:
        site = next((c.site for c in customers_for_phone(phone) if str(c.pk) == address), None)
    if site is None or category is None:
        return None
    return slots.free_slots(site=site, job_type=job_type_for(category))


def slots_for_order(order: WorkOrder) -> list[slots.Slot]:
    job = JobType.objects.filter(fieldjob__work_order=order).first()
    return slots.free_slots(site=order.site, job_type=job)


def message_channels(phone: str, customers: list[Customer] | None = None) -> dict[str, bool]:
    """Which channels can reach this customer: SMS (their number is proved), email (an archive record has an
    address), WeChat (linked through the portal's WeChat sign-in)."""
    customers = customers_for_phone(phone) if customers is None else customers
    return {Customer.Channel.SMS: True, Customer.Channel.EMAIL: any(c.email for c in customers),
            Customer.Channel.WECHAT: any(c.wechat_openid for c in customers)}


def message_settings(phone: str) -> dict:
    """The settings page's channels: each with whether it can be chosen and why not; WeChat only with a service
    account set up (or already linked); the channel chosen now."""
    customers = customers_for_phone(phone)
    reachable = message_channels(phone, customers)
    notes = {Customer.Channel.AUTO: _("by SMS, or by email for requests you sent by email"),
             Customer.Channel.EMAIL: "" if reachable[Customer.Channel.EMAIL] else _("no email address on your record"),
             Customer.Channel.WECHAT: "" if reachable[Customer.Channel.WECHAT] else _("link WeChat first")}
    offered = [(value, label) for value, label in Customer.Channel.choices
               if value != Customer.Channel.WECHAT or settings.WECHAT_APPID or reachable[value]]
    return {"options": [{"value": value, "label": label, "note": notes.get(value, ""),
                         "enabled": not value or reachable[value]} for value, label in offered],
            "chosen": next((c.preferred_channel for c in customers), ""), "linked": reachable[Customer.Channel.WECHAT],
            "wechat_offered": bool(settings.WECHAT_APPID)}
