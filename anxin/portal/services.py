"""The customer portal (A5): sign-in by SMS code, filing a repair with photos and a slot, and what a customer may
do to their own orders. The only writers of LoginCode; every order change goes through the workorders / field
services with the portal's channel account as the actor, so the timeline, audit log and clocks stay one story.

Who the customer is: the E.164 mobile number proved by the code. Their orders are those of every archive
record with that number as a contact (`selectors.customers_for_phone`).
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.services import channel_account
from anxin.audit.services import audit_record
from anxin.core import throttle_services as throttle
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError, RateLimited
from anxin.core.phone import phone_kind, try_normalize_phone
from anxin.customers.models import Contact, Customer
from anxin.customers.services import customer_create
from anxin.field.models import Appointment, JobType
from anxin.field.services import appointments, jobs, quotes
from anxin.notifications import services as notifications
from anxin.portal import selectors, slots
from anxin.portal.models import LoginCode
from anxin.workorders import attachments
from anxin.workorders import services as wo
from anxin.workorders.models import Category, Channel, WorkOrder
from anxin.workorders.states import Status, Type

PORTAL_USERNAME = "portal"
# What the portal's channel account may do; every rule about *which* order is the portal services' own.
PORTAL_PERMISSIONS = ["customers.view_customer", "customers.add_customer", "workorders.view_workorder",
                      "workorders.add_workorder", "workorders.change_workorder", "workorders.view_team_orders",
                      "workorders.close_workorder"]
CANCEL_STATUSES = (Status.NEW, Status.ACCEPTED, Status.SCHEDULED)
RESCHEDULE_STATUSES = (Status.NEW, Status.ACCEPTED, Status.SCHEDULED, Status.DISPATCHED)


class PortalErrorCode:
    INVALID = ErrorCode.INVALID
    BAD_CODE = "bad_code"
    SLOT_TAKEN = "slot_taken_conflict"  # ends with "conflict" → 409
    NOT_ALLOWED = "not_allowed_conflict"


Throttled = RateLimited  # the portal's name for it


def _agreed_online(customer) -> str:
    """Who agreed to the slot, as the timeline shows it: "王芳（在线）"."""
    online = _("online")  # outside the f-string: makemessages does not read a call inside one
    return f"{customer.name}（{online}）"[:50]


def _throttle(scope: str, key: str, limit: int, window: timedelta, now: datetime | None = None) -> None:
    wait = throttle.hit(scope, key, limit=limit, window=window, now=now)
    if wait is not None:
        raise Throttled(wait)


def portal_actor() -> User:
    """The channel account the portal acts as (timeline: 网上自助)."""
    return channel_account(username=PORTAL_USERNAME, display_name="网上自助", permissions=PORTAL_PERMISSIONS)


# --- sign-in -------------------------------------------------------------------------------------------

def mobile_from(raw: str) -> str:
    phone = try_normalize_phone((raw or "").strip())
    if not phone or not phone.startswith("+86") or phone_kind(phone) != "mobile":
        raise DomainError(PortalErrorCode.INVALID, _("Enter a mainland China mobile number (11 digits)."),
                          {"field": "phone"})
    return phone


def _code_hash(phone: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"portal:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def code_request(*, phone_raw: str, ip: str, now: datetime | None = None) -> None:
    """Send a one-time code to the number. The answer is the same for numbers in the archive and numbers not in
    it (no oracle); limits per number and per address answer Throttled (429) the same way for both."""
    phone = mobile_from(phone_raw)
    now = now or timezone.now()
    _throttle("code_ip", ip or "-", settings.PORTAL_CODES_PER_IP_HOUR, timedelta(hours=1), now)
    _throttle("code_gap", phone, 1, timedelta(seconds=settings.PORTAL_CODE_GAP_SECONDS), now)
    _throttle("code_phone", phone, settings.PORTAL_CODES_PER_PHONE_HOUR, timedelta(hours=1), now)
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        # a new code replaces the old ones: only the newest can be used
        LoginCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)
        row = LoginCode.objects.create(phone=phone, code_hash=_code_hash(phone, code), created_at=now,
                                       expires_at=now + timedelta(minutes=settings.PORTAL_CODE_MINUTES))
        text = _("[Anxin] Your sign-in code is %(code)s, valid for %(minutes)d minutes. "
                 "Staff will never ask you for it.") % {"code": code, "minutes": settings.PORTAL_CODE_MINUTES}
        sms = notifications.notify_phone(phone=phone, kind="portal_code", text=text, dedupe_key=f"portal_code:{row.pk}")
        if sms is not None:
            # a person is waiting for it: send now rather than at the worker's next round
            transaction.on_commit(lambda: notifications.deliver_due(ids=[sms.pk]))


def code_verify(*, phone_raw: str, code: str, ip: str, now: datetime | None = None) -> str:
    """The E.164 number once the code matches; one answer for every failure (wrong, expired, used, unknown)."""
    now = now or timezone.now()
    wrong = DomainError(PortalErrorCode.BAD_CODE, _("The code is wrong or has expired. Request a new one."),
                        {"field": "code"})
    if throttle.count("verify_ip", ip or "-", window=timedelta(hours=1), now=now) >= settings.PORTAL_VERIFY_PER_IP_HOUR:
        raise Throttled(3600)
    phone = mobile_from(phone_raw)
    code = (code or "").strip()
    with transaction.atomic():
        row = (LoginCode.objects.select_for_update().filter(phone=phone, used_at__isnull=True, expires_at__gt=now)
               .order_by("-created_at").first())
        alive = row is not None and row.failures < settings.PORTAL_CODE_MAX_FAILURES
        ok = alive and len(code) == 6 and code.isdigit() and hmac.compare_digest(row.code_hash, _code_hash(phone, code))
        if ok:
            row.used_at = now
            row.save(update_fields=["used_at"])
        else:
            if alive:
                row.failures += 1
                row.save(update_fields=["failures"])
            throttle.hit("verify_ip", ip or "-", limit=10**6, window=timedelta(hours=1), now=now)
    if not ok:
        raise wrong
    return phone


# --- filing a repair -----------------------------------------------------------------------------------

def photos_checked(files) -> list[tuple[bytes, str, str]]:
    """The customer's photos, each checked by content and re-encoded; at most PORTAL_PHOTOS_MAX, images only.
    Checked before any write, so a bad photo leaves nothing behind."""
    if len(files) > settings.PORTAL_PHOTOS_MAX:
        raise DomainError(PortalErrorCode.INVALID, _("At most %(n)d photos.") % {"n": settings.PORTAL_PHOTOS_MAX},
                          {"field": "photos"})
    checked = [attachments.checked_upload(f) for f in files]
    if any(not content_type.startswith("image/") for _data, content_type, _name in checked):
        raise DomainError(PortalErrorCode.INVALID, _("Only photos (JPEG, PNG, WebP) can be sent here."),
                          {"field": "photos"})
    return checked


def _own_customer(phone: str, customer_id) -> Customer:
    customer = Customer.objects.filter(pk=customer_id, contacts__phone=phone).first() if customer_id else None
    if customer is None:
        raise DomainError(PortalErrorCode.INVALID, _("Choose one of your addresses or enter a new one."),
                          {"field": "address"})
    return customer


def _slot_taken(site: OrgUnit, job_type: JobType | None) -> DomainError:
    nxt = slots.free_slots(site=site, job_type=job_type)[:3]
    return DomainError(PortalErrorCode.SLOT_TAKEN,
                       _("Sorry, that time was just taken by someone else. Please pick another one."),
                       {"field": "slot", "next": [s.key for s in nxt]}, status=409)


def repair_file(*, phone: str, category: Category, description: str, customer_id=None, new_customer: dict | None = None,
                slot_key: str = "", photos: list[tuple[bytes, str, str]] = (), idempotency_key: str) -> WorkOrder:
    """A5: one request filed from the portal — archive record (found or new), order, appointment, photos — in one
    transaction. A repeat with the same key returns the first order; a slot taken meanwhile creates nothing and
    answers which slots are free now."""
    actor = portal_actor()
    key = f"portal:{phone}:{idempotency_key}"[:100]
    if (done := wo.workorder_for_idempotency_key(actor=actor, key=key)) is not None:
        return done
    description = (description or "").strip()
    if len(description) < 4:
        raise DomainError(PortalErrorCode.INVALID, _("Describe the problem in a few words."), {"field": "description"})
    if len(photos) > settings.PORTAL_PHOTOS_MAX:
        raise DomainError(PortalErrorCode.INVALID, _("At most %(n)d photos.") % {"n": settings.PORTAL_PHOTOS_MAX},
                          {"field": "photos"})
    job_type = selectors.job_type_for(category)
    window = slots.slot_from_key(slot_key) if slot_key else None
    if slot_key and window is None:
        raise DomainError(PortalErrorCode.INVALID, _("Pick one of the offered times."), {"field": "slot"})
    with transaction.atomic():
        if new_customer is None:
            customer = _own_customer(phone, customer_id)
        else:
            site = new_customer["site"]
            customer = customer_create(actor=actor, site=site, name=new_customer["name"],
                                       address_text=new_customer["address"],
                                       contacts=[{"phone": phone, "kind": Contact.Kind.MOBILE}])
        if window:
            slots.lock_site(customer.site)
            if not slots.slot_is_free(site=customer.site, job_type=job_type, window=window):
                raise _slot_taken(customer.site, job_type)
        order = wo.workorder_create(
            actor=actor, type=Type.REPAIR, channel=Channel.WEB, site=customer.site, customer=customer,
            category=category, title=f"{category.name}：{description[:40]}"[:100], description=description,
            caller_number=phone, idempotency_key=key)
        if getattr(order, "replayed", False):
            transaction.set_rollback(True)  # lost a race with the same key: keep nothing of this attempt
            return order
        if window:
            appointments.appointment_set(order=order, actor=actor, window_from=window[0], window_to=window[1],
                                         agreed_with=_agreed_online(customer))
        else:
            jobs.field_job_ensure(order)
        order.photos_not_saved = attachments.attachments_add_keeping_order(order=order, actor=actor, checked=photos,
                                                                           is_public=True)
    return order


# --- the customer's own orders -------------------------------------------------------------------------

def _order_of(phone: str, order: WorkOrder) -> WorkOrder:
    if not Customer.objects.filter(pk=order.customer_id, contacts__phone=phone).exists():
        raise PermissionDeniedError()
    return order


def order_cancel(*, phone: str, order: WorkOrder, reason: str) -> WorkOrder:
    _order_of(phone, order)
    if order.status not in CANCEL_STATUSES:
        raise DomainError(PortalErrorCode.NOT_ALLOWED, _(
            "A technician is already on this job; please call the service hotline to cancel."), status=409)
    text = (reason or "").strip()[:200]
    return wo.workorder_transition(order=order, to=Status.CANCELLED, actor=portal_actor(),
                                   reason=_("Cancelled by the customer online: %(reason)s") % {"reason": text or "—"})


def can_reschedule(order: WorkOrder, appointment: Appointment | None, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if order.type != Type.REPAIR or order.status not in RESCHEDULE_STATUSES:
        return False
    return appointment is None or appointment.window_from - now >= timedelta(hours=settings.PORTAL_CHANGE_HOURS)


def order_reschedule(*, phone: str, order: WorkOrder, slot_key: str) -> Appointment:
    _order_of(phone, order)
    current = Appointment.objects.filter(work_order=order, is_current=True).first()
    if not can_reschedule(order, current):
        raise DomainError(PortalErrorCode.NOT_ALLOWED, _(
            "This visit can no longer be moved online; please call the service hotline."), status=409)
    window = slots.slot_from_key(slot_key)
    if window is None:
        raise DomainError(PortalErrorCode.INVALID, _("Pick one of the offered times."), {"field": "slot"})
    job = jobs.field_job_ensure(order)
    customer = order.customer
    with transaction.atomic():
        slots.lock_site(order.site)
        if not slots.slot_is_free(site=order.site, job_type=job.job_type, window=window):
            raise _slot_taken(order.site, job.job_type)
        return appointments.appointment_set(order=order, actor=portal_actor(), window_from=window[0], window_to=window[1],
                                            agreed_with=_agreed_online(customer),
                                            reason=_("Moved by the customer online") if current else "")


def order_message(*, phone: str, order: WorkOrder, body: str, photo: tuple[bytes, str, str] | None = None) -> None:
    _order_of(phone, order)
    actor = portal_actor()
    with transaction.atomic():
        wo.workorder_customer_message(order=order, actor=actor, body=body, channel=Channel.WEB)
        if photo is not None:
            attachments.attachment_add(order=order, actor=actor, checked=photo, is_public=True)


def quote_decide(*, phone: str, order: WorkOrder, approve: bool) -> None:
    _order_of(phone, order)
    quotes.quote_decide_online(order=order, actor=portal_actor(), approve=approve,
                               decided_by=order.customer.name if order.customer_id else phone[-4:])


def track_lookup(*, number: str, last4: str, ip: str) -> WorkOrder | None:
    """Tracking without signing in: the order number and the last four digits of the customer's phone.

    Every lookup counts against the address, every miss against the number too; a hit and a miss run the same
    single query, so neither the answer nor its timing tells whether the number exists.
    """
    _throttle("track_ip", ip or "-", settings.PORTAL_TRACK_PER_IP_HOUR, timedelta(hours=1))
    number = (number or "").strip().upper()[:20]
    last4 = (last4 or "").strip()[:4]
    if throttle.count("track_miss", number, window=timedelta(hours=1)) >= settings.PORTAL_TRACK_FAILURES_PER_NUMBER_HOUR:
        raise Throttled(3600)
    order = (WorkOrder.objects.filter(number=number, customer__contacts__last4=last4).first()
             if len(last4) == 4 and last4.isdigit() else None)
    if order is None:
        throttle.hit("track_miss", number, limit=10**6, window=timedelta(hours=1))
    else:
        audit_record(actor=None, action="view", object_type="workorders.workorder", object_id=order.public_id,
                     summary=f"{order.number} tracked by number + last four", data={"ip": ip})
    return order


def portal_purge(*, now: datetime | None = None) -> dict:
    """Drop throttle counts and sign-in codes older than two days: they limit nothing any more."""
    now = now or timezone.now()
    codes = LoginCode.objects.filter(created_at__lt=now - timedelta(days=2)).delete()[0]
    return {"attempts": throttle.purge(older_than=timedelta(days=2), now=now), "codes": codes}


def message_channel_set(*, phone: str, channel: str) -> int:
    """I1: the channel the customer's order messages go by, on every archive record of their number. A channel
    that cannot reach them is refused (nothing changes). Returns the records changed."""
    if channel not in Customer.Channel.values:
        raise DomainError(PortalErrorCode.INVALID, _("Choose one of the offered channels."), {"field": "channel"})
    if channel and not selectors.message_channels(phone)[channel]:
        raise DomainError(PortalErrorCode.INVALID, {
            Customer.Channel.EMAIL: _("There is no email address on your record; tell us one on the hotline."),
            Customer.Channel.WECHAT: _("Link your WeChat first: open this page in WeChat and choose Link WeChat."),
        }[channel], {"field": "channel"})
    with transaction.atomic():
        changed = Customer.objects.filter(contacts__phone=phone).exclude(preferred_channel=channel).distinct()
        ids = list(changed.values_list("pk", flat=True))
        Customer.objects.filter(pk__in=ids).update(preferred_channel=channel, updated_at=timezone.now())
        for pk in ids:
            audit_record(actor=portal_actor(), action="update", object_type="customers.customer", object_id=pk,
                         summary="messages by (portal)", data={"preferred_channel": channel})
    return len(ids)


def wechat_link(*, phone: str, code: str) -> int:
    """The portal's WeChat sign-in came back with `code`: its OpenID goes on every archive record of the number,
    and their messages go by WeChat from now on. A provider that refuses is a clear error; nothing changes."""
    from anxin.notifications.transports import TransportError, wechat_openid_for

    if not settings.WECHAT_APPID:
        raise DomainError(PortalErrorCode.NOT_ALLOWED, _("WeChat messages are not set up for this service."),
                          status=404)
    try:
        openid = wechat_openid_for(code)
    except TransportError as exc:
        raise DomainError(PortalErrorCode.INVALID, _("WeChat did not confirm you. Please try again."),
                          {"reason": str(exc)[:100]}, status=502) from exc
    with transaction.atomic():
        ids = list(Customer.objects.filter(contacts__phone=phone).distinct().values_list("pk", flat=True))
        Customer.objects.filter(pk__in=ids).update(wechat_openid=openid, preferred_channel=Customer.Channel.WECHAT,
                                                   updated_at=timezone.now())
        for pk in ids:
            audit_record(actor=portal_actor(), action="update", object_type="customers.customer", object_id=pk,
                         summary="WeChat linked (portal)", data={"preferred_channel": Customer.Channel.WECHAT})
    return len(ids)
