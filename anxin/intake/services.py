"""Intake: log a contact, turn it into a work order in one step, or link it to an open order as 催办."""

import hashlib
import hmac
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import can_see_unit
from anxin.accounts.services import address_failure_record, address_throttle_check
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, NotFound, PermissionDeniedError, domain_error_from
from anxin.core.phone import normalize_phone
from anxin.customers.models import Customer
from anxin.intake.models import ContactLog, IncomingCall
from anxin.intake.selectors import recent_route
from anxin.workorders import services as wo_services
from anxin.workorders.models import WorkOrder

CONTACT_FIELDS = ("caller_name", "product_no", "model", "spec", "fault_symptom", "handling_opinion", "result")


def contactlog_create(
    *, actor: User, site: OrgUnit, category: str, content: str, customer: Customer | None = None, phone: str = "",
    channel: str = "hotline", received_at: datetime | None = None, requested_visit_at: datetime | None = None,
    done: bool = False, client_token: str | None = None, **fields: str,
) -> ContactLog:
    """A3: log one call or visit with the S2 fields. Raises DomainError(invalid), NotFound (scope).

    With `client_token`, a repeat of the same form returns the first log (double submit).
    """
    if not actor.has_perm("intake.add_contactlog"):
        raise PermissionDeniedError()
    if client_token and (first := ContactLog.objects.filter(client_token=client_token, taker=actor).first()):
        return first
    if not can_see_unit(actor, site.id) or (customer is not None and not can_see_unit(actor, customer.site_id)):
        raise NotFound()
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise DomainError(ErrorCode.INVALID, _("Unknown field."), {"field": sorted(unknown)[0]})
    now = timezone.now()
    e164 = normalize_phone(phone) if phone else ""
    # A12: the routing decision of the call this contact came from stays on its record
    route = recent_route(phone=e164) if channel == "hotline" else None
    log = ContactLog(
        route=route, site=site, category=category, content=(content or "").strip(), customer=customer,
        phone=e164, channel=channel, received_at=received_at or now,
        requested_visit_at=requested_visit_at, taker=actor, client_token=client_token or None,
        resolver=actor if done else None, done_at=now if done else None,
        **{k: (v or "").strip() for k, v in fields.items()},
    )
    try:
        log.full_clean(exclude=["client_token"])
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    try:
        with transaction.atomic():
            log.save()
            audit_record(actor=actor, action="create", object_type="intake.contactlog", object_id=log.public_id,
                         summary=log.get_category_display())
    except IntegrityError:
        # The same form arrived twice at once; the first one won.
        if client_token and (first := ContactLog.objects.filter(client_token=client_token).first()):
            return first
        raise
    return log


@transaction.atomic
def contactlog_create_order(*, log: ContactLog, actor: User, type: str, title: str, **order_fields) -> WorkOrder:
    """Turn a logged contact into a work order in one step; both are linked and on the timeline."""
    if log.work_order_id:
        raise DomainError(ErrorCode.CONFLICT, _("This contact already has a work order."), status=409)
    order = wo_services.workorder_create(
        actor=actor, type=type, channel=log.channel, site=log.site, title=title, customer=log.customer,
        description=order_fields.pop("description", "") or log.content, caller_number=log.phone,
        received_at=log.received_at, **order_fields,
    )
    ContactLog.objects.filter(pk=log.pk).update(work_order=order)
    log.work_order = order
    wo_services.workorder_record_contact(order=order, actor=actor, contact_public_id=str(log.public_id),
                                         summary=log.content[:200])
    return order


@transaction.atomic
def contactlog_link_urge(*, log: ContactLog, order: WorkOrder, actor: User) -> WorkOrder:
    """A7: the contact chases an open order of the same customer instead of opening a duplicate."""
    if log.customer_id is None or order.customer_id != log.customer_id:
        raise DomainError(ErrorCode.INVALID, _("The order belongs to another customer."), {"field": "order"})
    if log.work_order_id:
        raise DomainError(ErrorCode.CONFLICT, _("This contact already has a work order."), status=409)
    order = wo_services.workorder_urge(order=order, actor=actor, contact_public_id=str(log.public_id),
                                       summary=log.content[:200])
    ContactLog.objects.filter(pk=log.pk).update(work_order=order, is_urge=True)
    log.work_order, log.is_urge = order, True
    return order


def cti_signature_check(*, body: bytes, stamp: str, signature: str, ip: str | None) -> None:
    """A2 / issue 13: the switch signs "<X-Anxin-Timestamp>.<body>" with HMAC-SHA256. Several comma-separated
    secrets are accepted at once (rotation without downtime); a timestamp off by more than CTI_MAX_SKEW_SECONDS is
    a replay; an address with too many bad signatures is answered 429. NotFound while no secret is set."""
    secrets = [s.strip() for s in settings.CTI_WEBHOOK_SECRET.split(",") if s.strip()]
    if not secrets:
        raise NotFound()
    address_throttle_check(scope="cti_ip", ip=ip, limit=settings.CTI_BAD_SIGNATURES_PER_ADDRESS)
    signed = stamp.encode() + b"." + body
    if not any(hmac.compare_digest("sha256=" + hmac.new(s.encode(), signed, hashlib.sha256).hexdigest(), signature)
               for s in secrets):
        address_failure_record(scope="cti_ip", ip=ip)
        raise DomainError(ErrorCode.PERMISSION_DENIED, _("Bad signature."), status=403)
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > settings.CTI_MAX_SKEW_SECONDS:
        raise DomainError(ErrorCode.PERMISSION_DENIED, _("The request is too old or its clock is wrong."), status=403)


def incoming_call_register(*, call_id: str, phone: str, agent: User | None) -> IncomingCall:
    """A2: the CTI switch tells us a call is ringing at an agent. Repeats of one call_id are ignored."""
    if not call_id or len(call_id) > 64:
        raise DomainError(ErrorCode.INVALID, _("call_id is required."), {"field": "call_id"})
    e164 = normalize_phone(phone)
    call, _created = IncomingCall.objects.get_or_create(call_id=call_id, defaults={"phone": e164, "agent": agent})
    return call


def incoming_call_take(*, agent: User) -> IncomingCall | None:
    """The oldest unseen call for this agent (from the last 10 minutes), marked seen."""
    since = timezone.now() - timedelta(minutes=10)
    with transaction.atomic():
        call = (IncomingCall.objects.select_for_update().filter(agent=agent, seen_at__isnull=True, created_at__gte=since)
                .order_by("created_at").first())
        if call is None:
            return None
        call.seen_at = timezone.now()
        call.save(update_fields=["seen_at", "updated_at"])
    return call


MAX_WARNINGS = 3


def contactlog_warn(*, log: ContactLog, actor: User) -> ContactLog:
    """D7: record one warning to an abusive caller (at most three)."""
    if not actor.has_perm("intake.add_contactlog"):
        raise PermissionDeniedError()
    with transaction.atomic():
        if not ContactLog.objects.filter(pk=log.pk, warnings__lt=MAX_WARNINGS, ended_at__isnull=True).update(
                warnings=models.F("warnings") + 1):
            raise DomainError(ErrorCode.CONFLICT, _("Three warnings were already given."), status=409)
        log.refresh_from_db()
        audit_record(actor=actor, action="update", object_type="intake.contactlog", object_id=log.public_id,
                     summary=f"warning {log.warnings}")
    return log


def contactlog_end(*, log: ContactLog, actor: User) -> ContactLog:
    """D7: after three warnings the shift lead (someone who may assign orders) may end the contact."""
    if not actor.has_perm("workorders.assign_workorder"):
        raise PermissionDeniedError(_("Only the shift lead may end a contact."))
    if log.warnings < MAX_WARNINGS:
        raise DomainError(ErrorCode.INVALID, _("A contact may be ended only after three warnings."),
                          {"field": "warnings"})
    with transaction.atomic():
        if not ContactLog.objects.filter(pk=log.pk, ended_at__isnull=True).update(ended_by=actor,
                                                                                 ended_at=timezone.now()):
            raise DomainError(ErrorCode.CONFLICT, _("This contact was already ended."), status=409)
        log.refresh_from_db()
        audit_record(actor=actor, action="update", object_type="intake.contactlog", object_id=log.public_id,
                     summary="ended after warnings")
    return log
