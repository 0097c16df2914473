import json

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from anxin.accounts import selectors as account_selectors
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.core.http import client_ip
from anxin.customers import selectors as customer_selectors
from anxin.intake import routing_services, selectors, services
from anxin.intake.schemas import ContactLogCreateIn, ContactLogOut, CtiCallIn, CtiRouteIn, CtiRouteOut

router = Router(tags=["intake"])


def contactlog_out(user, log) -> dict:
    return {
        "id": log.public_id, "site": log.site.code, "channel": log.channel, "category": log.category,
        "customer": log.customer.public_id if log.customer_id else None,
        "phone": customer_selectors.phone_for_display(user, log.phone), "caller_name": log.caller_name,
        "received_at": log.received_at, "content": log.content, "fault_symptom": log.fault_symptom,
        "work_order": log.work_order.number if log.work_order_id else "", "is_urge": log.is_urge,
    }


@router.post("/contact-logs", response={201: ContactLogOut})
def contactlog_create(request: HttpRequest, payload: ContactLogCreateIn):
    user = request.user
    site = account_selectors.orgunit_get_for(user=user, code=payload.site)
    customer = customer_selectors.customer_get_for(user=user, public_id=payload.customer) if payload.customer else None
    data = payload.model_dump(exclude={"site", "customer", "category", "content", "channel", "phone",
                                       "requested_visit_at", "done"})
    log = services.contactlog_create(actor=user, site=site, category=payload.category, content=payload.content,
                                     customer=customer, phone=payload.phone, channel=payload.channel,
                                     requested_visit_at=payload.requested_visit_at, done=payload.done, **data)
    return Status(201, contactlog_out(user, selectors.contactlog_get_for(user=user, public_id=log.public_id)))


@router.get("/contact-logs", response=list[ContactLogOut])
def contactlog_list(request: HttpRequest, limit: int = 50):
    if not request.user.has_perm("intake.view_contactlog"):
        raise PermissionDeniedError()
    logs = selectors.contactlog_qs_for(request.user).select_related("site")[: max(1, min(limit, 200))]
    return [contactlog_out(request.user, log) for log in logs]


@router.post("/cti/calls", auth=None, response={202: dict})
def cti_call(request: HttpRequest):
    """A2: the CTI switch posts {call_id, caller, agent} with X-Anxin-Timestamp and X-Anxin-Signature
    (see services.cti_signature_check)."""
    services.cti_signature_check(body=request.body, stamp=request.headers.get("X-Anxin-Timestamp", ""),
                                 signature=request.headers.get("X-Anxin-Signature", ""), ip=client_ip(request))
    try:
        payload = CtiCallIn.model_validate(json.loads(request.body or b"{}"))
    except (ValueError, TypeError) as exc:
        raise DomainError(ErrorCode.INVALID, _("The request is not valid JSON of the expected shape.")) from exc
    call = services.incoming_call_register(call_id=payload.call_id, phone=payload.caller,
                                           agent=account_selectors.agent_by_username(payload.agent))
    return Status(202, {"call_id": call.call_id})


def _signed_json(request: HttpRequest, schema):
    services.cti_signature_check(body=request.body, stamp=request.headers.get("X-Anxin-Timestamp", ""),
                                 signature=request.headers.get("X-Anxin-Signature", ""), ip=client_ip(request))
    try:
        return schema.model_validate(json.loads(request.body or b"{}"))
    except (ValueError, TypeError) as exc:
        raise DomainError(ErrorCode.INVALID, _("The request is not valid JSON of the expected shape.")) from exc


def _route_out(route, wait: int) -> dict:
    return {"call_id": route.call_id, "offer": route.offered, "wait_seconds": wait, "language": route.language,
            "decision": route.decision}


@router.post("/cti/route", auth=None, response=CtiRouteOut)
def cti_route(request: HttpRequest):
    """A12: whom to offer a ringing call to — free agents with the caller's language first (signed like /cti/calls)."""
    payload = _signed_json(request, CtiRouteIn)
    route, wait = routing_services.call_route(call_id=payload.call_id, phone=payload.caller,
                                              free_agents=payload.free_agents)
    return _route_out(route, wait)


@router.post("/cti/route/fallback", auth=None, response=CtiRouteOut)
def cti_route_fallback(request: HttpRequest):
    """A12: nobody with the language took it within `wait_seconds`: the general queue, and the leads are told."""
    payload = _signed_json(request, CtiRouteIn)
    return _route_out(routing_services.call_route_fallback(call_id=payload.call_id,
                                                           free_agents=payload.free_agents), 0)
