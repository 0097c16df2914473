"""Readers of work orders. Every function takes the viewer; lists, detail and search share one scope."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import User
from anxin.accounts.scope import in_scope, scope_filter
from anxin.core.compiled import A_UUID, AN_ID, CompiledRead
from anxin.core.errors import NotFound
from anxin.core.phone import mask_phone, try_normalize_phone
from anxin.core.sqlplans import AmongIds
from anxin.workorders.models import Attachment, Category, WorkOrder, WorkOrderEvent
from anxin.workorders.states import OPEN_STATUSES, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")

# SECURITY-CASES 33: sorting only by these keys, never by a field name from the request.
SORTS = {
    "newest": ("-received_at", "-id"),
    "oldest": ("received_at", "id"),
    "priority": ("-priority", "-received_at", "-id"),
    "number": ("number",),
    "status": ("status", "-received_at", "-id"),
    "updated": ("-updated_at", "-id"),
}
VIEWS = ("mine", "team", "all")
# The columns the queue page shows, read as values: 50 orders with their customer, site and owner were 190 model
# instances a page, a sixth of its CPU (issue 14, profiled).
QUEUE_ROW_COLUMNS = ("public_id", "number", "title", "type", "status", "priority", "is_emergency", "urge_count",
                     "received_at", "customer__name", "site__name", "owner__display_name", "owner__username")


@dataclass(slots=True)
class QueueRow:
    """One line of the queue page."""
    public_id: UUID
    number: str
    title: str
    type: str
    status: str
    priority: int
    is_emergency: bool
    urge_count: int
    received_at: datetime | None
    customer: str | None  # the customer's name; None: no archive record
    site: str
    owner: str | None  # as User.__str__ shows the owner; None: unassigned
    type_label: str = ""
    status_label: str = ""
    priority_label: str = ""


@dataclass
class QueueFilters:
    view: str = "all"
    statuses: list[str] = field(default_factory=list)
    open_only: bool = False
    type: str = ""
    channel: str = ""
    site_id: int | None = None
    priority: int | None = None
    owner_id: int | None = None
    unassigned: bool = False
    taken_by_id: int | None = None
    urged: bool = False
    languages: tuple[str, ...] = ()  # A12: customers who prefer one of these
    received_from: date | None = None
    received_to: date | None = None
    q: str = ""
    sort: str = "newest"
    # the orders the search index found for `q` (computed by the caller with search.selectors.matching_ids)
    match_ids: tuple[int, ...] | None = None


def workorder_qs_for(user: User) -> QuerySet[WorkOrder]:
    """Every order the user may see: their org subtree; technicians only their own."""
    return WorkOrder.objects.filter(scope_filter(user, site_field="site", owner_field="owner"))


# the order page's read, compiled once per process (core.compiled); the scope is checked on the row it returns
_order_by_public_id = CompiledRead(
    lambda public_id: WorkOrder.objects.filter(public_id=public_id)
    .select_related("customer", "asset", "site", "owner", "taken_by", "category"), A_UUID)


def workorder_get_for(*, user: User, public_id: UUID | str) -> WorkOrder:
    """The order, or NotFound — the same for unknown ids and other sites' orders (SC 26)."""
    try:
        UUID(str(public_id))
    except ValueError as exc:
        raise NotFound() from exc
    order = _order_by_public_id.first(public_id)
    if order is None or not in_scope(user, site_id=order.site_id, owner_id=order.owner_id):
        raise NotFound()
    return order


def workorder_list_for_queue(*, user: User, filters: QueueFilters) -> QuerySet[WorkOrder]:
    qs = workorder_qs_for(user).select_related("customer", "site", "owner", "category")
    if filters.view == "mine":
        qs = qs.filter(owner_id=user.id)
    elif filters.view == "team":
        qs = qs.filter(site_id=user.org_unit_id)
    if filters.statuses:
        qs = qs.filter(status__in=filters.statuses)
    elif filters.open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.site_id:
        qs = qs.filter(site_id=filters.site_id)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.unassigned:
        qs = qs.filter(owner__isnull=True)
    elif filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.taken_by_id:
        qs = qs.filter(taken_by_id=filters.taken_by_id)
    if filters.urged:
        qs = qs.filter(urge_count__gt=0)
    if filters.languages:
        qs = qs.filter(customer__preferred_language__in=filters.languages)
    if filters.received_from:
        qs = qs.filter(received_at__gte=datetime.combine(filters.received_from, time.min, SHANGHAI))
    if filters.received_to:
        qs = qs.filter(received_at__lte=datetime.combine(filters.received_to, time.max, SHANGHAI))
    if filters.match_ids is not None:
        qs = qs.filter(AmongIds("id", filters.match_ids))
    elif filters.q:
        term = filters.q.strip()[:50]
        qs = qs.filter(number=term.upper()) if term.upper().startswith("GD") else qs.filter(title__contains=term)
    return qs.order_by(*SORTS.get(filters.sort, SORTS["newest"]))


def queue_page_rows(qs: QuerySet[WorkOrder], start: int, stop: int) -> list[QueueRow]:
    """Rows start..stop of the queue with what the page shows (the API and the export read whole orders)."""
    return [QueueRow(*row[:11], owner=(row[11] or row[12]) if row[12] is not None else None)
            for row in qs.values_list(*QUEUE_ROW_COLUMNS)[start:stop]]


_events_of = CompiledRead(lambda order_id: WorkOrderEvent.objects.filter(work_order_id=order_id)
                          .select_related("actor").order_by("created_at", "id"), AN_ID)
_public_events_of = CompiledRead(lambda order_id: WorkOrderEvent.objects.filter(work_order_id=order_id, is_public=True)
                                 .select_related("actor").order_by("created_at", "id"), AN_ID)
_attachments_of = CompiledRead(lambda order_id: Attachment.objects.filter(work_order_id=order_id)
                               .select_related("uploaded_by"), AN_ID)


def timeline_for(*, order: WorkOrder, user: User, public_only: bool = False) -> list[WorkOrderEvent]:
    """The order's timeline (the order page's, compiled once per process: see core.compiled)."""
    events = (_public_events_of if public_only else _events_of)(order.pk)
    for event in events:
        event.work_order = order  # as the related manager would: no query to reach back
    return events


E = WorkOrderEvent.Type
# public entries whose text was written for the customer's eyes; other public entries show their label only
TEXT_FOR_CUSTOMER = {E.REPLY_ADDED, E.CUSTOMER_MESSAGE, E.APPOINTMENT_SET, E.NOBODY_HOME, E.QUOTE_DECIDED}
# entries every customer sees as a line, without text, even if a service did not mark them public
ALWAYS_SHOWN = {E.CREATED, E.TRANSITIONED}
PHONE_LIKE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]\d{9}|0\d{2,3}[- ]?\d{7,8})(?!\d)")


@dataclass
class TimelineLine:
    at: datetime
    label: str
    text: str
    mine: bool


def _mask_phones(text: str) -> str:
    return PHONE_LIKE.sub(lambda m: mask_phone(try_normalize_phone(m.group(0)) or "") or "****", text)


_public_events = CompiledRead(
    lambda order_id: WorkOrderEvent.objects.filter(Q(is_public=True) | Q(type__in=ALWAYS_SHOWN), work_order_id=order_id)
    .order_by("created_at", "id"), AN_ID)  # every page view of the portal and the tracking link: see core.compiled


def public_timeline(order: WorkOrder) -> list[TimelineLine]:
    """What the customer reads of an order (portal, tracking link): an allow-list, not a filter on `is_public`
    alone. Status changes show the new status, never the reason staff typed; phone-like text is masked whoever
    wrote it."""
    lines = []
    for e in _public_events(order.pk):
        if e.type == E.TRANSITIONED:
            label, text = gettext("Status: %(status)s") % {"status": Status(e.to_status).label}, ""
        elif e.type == E.CREATED:
            label, text = gettext("Request received"), ""
        else:
            label = e.get_type_display()
            text = _mask_phones(e.body) if e.type in TEXT_FOR_CUSTOMER else ""
        lines.append(TimelineLine(at=e.created_at, label=label, text=text, mine=e.type == E.CUSTOMER_MESSAGE))
    return lines


def attachments_for(*, order: WorkOrder) -> list[Attachment]:
    attachments = _attachments_of(order.pk)
    for attachment in attachments:
        attachment.work_order = order
    return attachments


def attachment_get_for(*, user: User, order_public_id: UUID | str, attachment_public_id: UUID | str) -> Attachment:
    """SECURITY-CASES 11–12: the attachment only through an order the viewer may see."""
    order = workorder_get_for(user=user, public_id=order_public_id)
    try:
        UUID(str(attachment_public_id))
    except ValueError as exc:
        raise NotFound() from exc
    attachment = order.attachments.filter(public_id=attachment_public_id).first()
    if attachment is None:
        raise NotFound()
    return attachment


def open_orders_for_customer(*, user: User, customer_id: int, limit: int = 20) -> list[WorkOrder]:
    return list(
        workorder_qs_for(user)
        .filter(customer_id=customer_id, status__in=OPEN_STATUSES)
        .select_related("category", "asset", "owner")
        .order_by("-received_at")[:limit]
    )


def history_for_customer(*, user: User, customer_id: int, limit: int = 200) -> list[WorkOrder]:
    """B3: the customer's service history, newest first, with the field job (S2 工程安装历史数据) where there is one."""
    return list(
        workorder_qs_for(user)
        .filter(customer_id=customer_id)
        .select_related("category", "asset", "owner", "taken_by", "field_job__job_type")
        .order_by("-received_at")[:limit]
    )


def possible_duplicates(*, user: User, customer_id: int, asset_id: int | None, category_id: int | None
                        ) -> list[WorkOrder]:
    """A7: open orders of the same customer on the same asset or category."""
    if not asset_id and not category_id:
        return []
    qs = workorder_qs_for(user).filter(customer_id=customer_id, status__in=OPEN_STATUSES)

    match = Q()
    if asset_id:
        match |= Q(asset_id=asset_id)
    if category_id:
        match |= Q(category_id=category_id)
    return list(qs.filter(match).select_related("category", "asset").order_by("-received_at")[:5])


def category_get(*, code: str) -> Category:
    """An active category by code (categories are shared reference data, not scoped)."""
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise NotFound(_("Unknown category."))
    return category


def categories_by_id(*, ids: list[int]) -> dict[int, Category]:
    """Active categories by id (shared reference data, not scoped)."""
    return Category.objects.filter(is_active=True).in_bulk(ids) if ids else {}
