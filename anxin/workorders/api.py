from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Header, Query, Router, Status
from ninja.files import UploadedFile

from anxin.accounts import selectors as account_selectors
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.customers import selectors as customer_selectors
from anxin.search.selectors import order_ids_matching
from anxin.workorders import attachments, selectors, services
from anxin.workorders.schemas import (
    AttachmentOut,
    EventOut,
    QueueQuery,
    WorkOrderAssignIn,
    WorkOrderCommentIn,
    WorkOrderCreateIn,
    WorkOrderListOut,
    WorkOrderOut,
    WorkOrderTransitionIn,
)

router = Router(tags=["workorders"])
# Deeper offsets make the database step over that many rows per page; a sync narrows by received_from/received_to.
API_MAX_OFFSET = 10_000


def order_out(user, order, *, with_actions: bool = True) -> dict:
    return {
        "id": order.public_id, "number": order.number, "type": order.type, "family": order.family,
        "channel": order.channel, "status": order.status, "status_label": str(order.get_status_display()),
        "priority": order.priority, "is_emergency": order.is_emergency, "title": order.title,
        "description": order.description, "site": order.site.code,
        "customer": order.customer.public_id if order.customer_id else None,
        "customer_name": order.customer.name if order.customer_id else "",
        "asset": order.asset.public_id if order.asset_id else None,
        "category": order.category.code if order.category_id else "",
        "caller_number": customer_selectors.phone_for_display(user, order.caller_number),
        "owner": order.owner.username if order.owner_id else "",
        "taken_by": order.taken_by.username if order.taken_by_id else "",
        "received_at": order.received_at, "visit_from": order.visit_from, "visit_to": order.visit_to,
        "resolved_at": order.resolved_at, "closed_at": order.closed_at, "urge_count": order.urge_count,
        "version": order.version,
        "allowed_transitions": [str(s) for s in services.allowed_transitions(order=order, user=user)]
        if with_actions else [],
    }


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDeniedError()


@router.get("/", response=WorkOrderListOut)
def workorder_list(request: HttpRequest, query: Query[QueueQuery]):
    _require(request.user, "workorders.view_workorder")
    filters = selectors.QueueFilters(
        view=query.view, statuses=query.status, open_only=query.open_only, type=query.type, channel=query.channel,
        site_id=account_selectors.orgunit_get_for(user=request.user, code=query.site).id if query.site else None,
        priority=query.priority, unassigned=query.unassigned,
        owner_id=account_selectors.staff_get_for(user=request.user, username=query.owner).id if query.owner else None,
        received_from=query.received_from, received_to=query.received_to, q=query.q, sort=query.sort,
        match_ids=order_ids_matching(user=request.user, query=query.q),
    )
    qs = selectors.workorder_list_for_queue(user=request.user, filters=filters).select_related("asset", "taken_by")
    start = (query.page - 1) * query.page_size
    if start >= API_MAX_OFFSET:
        raise DomainError(ErrorCode.INVALID, _("Only the first %(n)d orders can be paged through: narrow the query "
                                               "with received_from and received_to.") % {"n": API_MAX_OFFSET},
                          {"field": "page"}, status=422)
    rows = list(qs[start:start + query.page_size])
    # counted up to the cap, like the queue page: an exact count of a million rows would cost more than the page
    count = qs.order_by()[:API_MAX_OFFSET + 1].count()
    return {"count": min(count, API_MAX_OFFSET), "count_capped": count > API_MAX_OFFSET, "page": query.page,
            "page_size": query.page_size, "results": [order_out(request.user, o, with_actions=False) for o in rows]}


@router.post("/", response={201: WorkOrderOut, 200: WorkOrderOut})
def workorder_create(request: HttpRequest, payload: WorkOrderCreateIn,
                     idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100)):
    _require(request.user, "workorders.add_workorder")
    user = request.user
    site = account_selectors.orgunit_get_for(user=user, code=payload.site)
    customer = (customer_selectors.customer_get_for(user=user, public_id=payload.customer, with_archive=False)
                if payload.customer else None)
    if payload.asset and customer is None:
        raise DomainError(ErrorCode.INVALID, _("The asset does not belong to this customer."), {"field": "asset"})
    asset = customer_selectors.asset_get_for(customer=customer, public_id=payload.asset) if payload.asset else None
    category = selectors.category_get(code=payload.category) if payload.category else None
    owner = account_selectors.staff_get_for(user=user, username=payload.owner) if payload.owner else None
    order = services.workorder_create(
        actor=user, type=payload.type, channel=payload.channel, site=site, title=payload.title, customer=customer,
        description=payload.description, category=category, priority=payload.priority,
        is_emergency=payload.is_emergency, asset=asset, caller_number=payload.caller_number, owner=owner,
        visit_from=payload.visit_from, visit_to=payload.visit_to, idempotency_key=idempotency_key,
    )
    # A replayed Idempotency-Key answers 200 with the first order instead of 201 with a new one.
    if getattr(order, "replayed", False):
        return Status(200, order_out(user, selectors.workorder_get_for(user=user, public_id=order.public_id)))
    return Status(201, order_out(user, order))


@router.get("/{order_id}", response=WorkOrderOut)
def workorder_get(request: HttpRequest, order_id: UUID):
    _require(request.user, "workorders.view_workorder")
    return order_out(request.user, selectors.workorder_get_for(user=request.user, public_id=order_id))


@router.post("/{order_id}/transition", response=WorkOrderOut)
def workorder_transition(request: HttpRequest, order_id: UUID, payload: WorkOrderTransitionIn):
    order = selectors.workorder_get_for(user=request.user, public_id=order_id)
    services.workorder_transition(order=order, to=payload.to, actor=request.user, reason=payload.reason,
                                  expected_version=payload.version)
    return order_out(request.user, selectors.workorder_get_for(user=request.user, public_id=order_id))


@router.post("/{order_id}/assign", response=WorkOrderOut)
def workorder_assign(request: HttpRequest, order_id: UUID, payload: WorkOrderAssignIn):
    order = selectors.workorder_get_for(user=request.user, public_id=order_id)
    owner = account_selectors.staff_get_for(user=request.user, username=payload.owner) if payload.owner else None
    services.workorder_assign(order=order, owner=owner, actor=request.user, reason=payload.reason,
                              expected_version=payload.version)
    return order_out(request.user, selectors.workorder_get_for(user=request.user, public_id=order_id))


@router.post("/{order_id}/comments", response={201: EventOut})
def workorder_add_note(request: HttpRequest, order_id: UUID, payload: WorkOrderCommentIn):
    order = selectors.workorder_get_for(user=request.user, public_id=order_id)
    event = services.workorder_add_note(order=order, actor=request.user, body=payload.body,
                                        is_public=payload.is_public)
    return Status(201, event_out(event))


@router.get("/{order_id}/timeline", response=list[EventOut])
def workorder_timeline(request: HttpRequest, order_id: UUID):
    order = selectors.workorder_get_for(user=request.user, public_id=order_id)
    return [event_out(e) for e in selectors.timeline_for(order=order, user=request.user)]


@router.post("/{order_id}/attachments", response={201: AttachmentOut})
def attachment_add(request: HttpRequest, order_id: UUID, file: File[UploadedFile], is_public: Form[bool] = False):
    order = selectors.workorder_get_for(user=request.user, public_id=order_id)
    att = attachments.attachment_add(order=order, actor=request.user, file=file, is_public=is_public)
    return Status(201, {"id": att.public_id, "name": att.original_name, "content_type": att.content_type, "size": att.size})


def event_out(event) -> dict:
    return {
        "type": event.type, "type_label": str(event.get_type_display()), "actor": str(event.actor or ""),
        "from_status": event.from_status, "to_status": event.to_status, "reason": event.reason, "body": event.body,
        "is_public": event.is_public, "data": event.data, "created_at": event.created_at,
    }
