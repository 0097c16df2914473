"""A4 walk-in counter: take a number, call the next (appointment holders first), serve, log the visit.

Numbers restart each day per site and group (Y… with an appointment, A… without). Calling claims a ticket
with a conditional UPDATE (waiting → called), so two windows pressing "next" at once never get the same
customer. Serving ends with a contact log line (channel walk-in) like a call.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import can_see_unit
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, NotFound, PermissionDeniedError
from anxin.core.phone import try_normalize_phone
from anxin.customers.models import Customer
from anxin.intake.models import ContactLog, CounterDesk, CounterTicket
from anxin.intake.services import contactlog_create
from anxin.workorders.models import Channel
from anxin.workorders.services import SHANGHAI


def _today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def _check(actor: User, site_id: int) -> None:
    if not actor.has_perm("intake.add_contactlog"):
        raise PermissionDeniedError()
    if not can_see_unit(actor, site_id):
        raise NotFound()


def desk_open(*, actor: User, site: OrgUnit, label: str) -> CounterDesk:
    """Sit down at a window (closing any window this agent had open)."""
    _check(actor, site.id)
    label = " ".join((label or "").split())[:20]
    if not label:
        raise DomainError(ErrorCode.INVALID, _("Name the window, e.g. 2号窗口."), {"field": "label"})
    with transaction.atomic():
        _close_open_desk(actor)
        return CounterDesk.objects.create(site=site, agent=actor, label=label)


def _close_open_desk(actor: User) -> None:
    desk = CounterDesk.objects.select_for_update().filter(agent=actor, closed_at__isnull=True).first()
    if desk is None:
        return
    if desk.tickets.filter(state=CounterTicket.State.CALLED).exists():
        raise DomainError(ErrorCode.CONFLICT, _("Finish the customer at your window first."), status=409)
    desk.closed_at = timezone.now()
    desk.save(update_fields=["closed_at", "updated_at"])


def desk_close(*, actor: User) -> None:
    with transaction.atomic():
        _close_open_desk(actor)


def ticket_take(*, actor: User, site: OrgUnit, phone: str = "", name: str = "", purpose: str = "",
                has_appointment: bool = False, client_token: str | None = None) -> CounterTicket:
    """Give a walk-in customer a number; the same form sent twice gives one number."""
    _check(actor, site.id)
    if client_token and (first := CounterTicket.objects.filter(client_token=client_token).first()):
        return first
    e164 = try_normalize_phone(phone) if phone else ""
    if phone and not e164:
        raise DomainError(ErrorCode.INVALID, _("Enter a valid phone number."), {"field": "phone"})
    customers = list(Customer.objects.filter(site=site, contacts__phone=e164).distinct()[:2]) if e164 else []
    customer = customers[0] if len(customers) == 1 else None
    day = _today()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                last = (CounterTicket.objects.filter(site=site, day=day, has_appointment=has_appointment)
                        .aggregate(m=Max("seq"))["m"] or 0)
                ticket = CounterTicket.objects.create(
                    site=site, day=day, seq=last + 1, has_appointment=has_appointment, customer=customer,
                    name=" ".join((name or (customer.name if customer else "")).split())[:50], phone=e164 or "",
                    purpose=" ".join((purpose or "").split())[:200], taken_by=actor, client_token=client_token or None)
                audit_record(actor=actor, action="create", object_type="intake.counterticket",
                             object_id=ticket.public_id, summary=ticket.number)
                return ticket
        except IntegrityError:
            # the same number was given at another screen a moment ago, or this form was already sent
            if client_token and (first := CounterTicket.objects.filter(client_token=client_token).first()):
                return first
    raise DomainError(ErrorCode.CONFLICT, _("The queue is busy; please try again."), status=409)


def ticket_call_next(*, actor: User) -> CounterTicket | None:
    """The next customer to this agent's window: appointment holders first, then by number. A second press while
    someone is at the window answers with that customer again."""
    desk = CounterDesk.objects.filter(agent=actor, closed_at__isnull=True).select_related("site").first()
    if desk is None:
        raise DomainError(ErrorCode.INVALID, _("Open your window first."), {"field": "label"})
    _check(actor, desk.site_id)
    current = CounterTicket.objects.filter(desk=desk, state=CounterTicket.State.CALLED).first()
    if current is not None:
        return current
    waiting = CounterTicket.objects.filter(site=desk.site, day=_today(), state=CounterTicket.State.WAITING)
    for candidate in waiting.order_by("-has_appointment", "seq").values_list("pk", flat=True)[:10]:
        claimed = CounterTicket.objects.filter(pk=candidate, state=CounterTicket.State.WAITING).update(
            state=CounterTicket.State.CALLED, desk=desk, served_by=actor, called_at=timezone.now(),
            updated_at=timezone.now())
        if claimed:
            return CounterTicket.objects.get(pk=candidate)
    return None


def _mine(actor: User, ticket: CounterTicket) -> CounterTicket:
    _check(actor, ticket.site_id)
    if ticket.state != CounterTicket.State.CALLED or ticket.served_by_id != actor.id:
        raise DomainError(ErrorCode.CONFLICT, _("This customer is not at your window."), status=409)
    return ticket


def ticket_finish(*, actor: User, ticket: CounterTicket, content: str, category: str = ContactLog.Category.GENERAL,
                  log: ContactLog | None = None) -> CounterTicket:
    """Served: the visit goes into the contact log (or is linked to the log the agent wrote on the call screen)."""
    _mine(actor, ticket)
    with transaction.atomic():
        if log is None:
            text = "\n".join(x for x in (ticket.purpose, (content or "").strip()) if x)
            log = contactlog_create(actor=actor, site=ticket.site, category=category, content=text,
                                    customer=ticket.customer, phone=ticket.phone, channel=Channel.WALK_IN,
                                    received_at=ticket.created_at, done=True, caller_name=ticket.name)
        done = CounterTicket.objects.filter(pk=ticket.pk, state=CounterTicket.State.CALLED).update(
            state=CounterTicket.State.DONE, finished_at=timezone.now(), contact_log=log, updated_at=timezone.now())
        if not done:
            raise DomainError(ErrorCode.CONFLICT, _("This customer is not at your window."), status=409)
    ticket.refresh_from_db()
    return ticket


def ticket_no_show(*, actor: User, ticket: CounterTicket) -> CounterTicket:
    """Called and did not come to the window."""
    _mine(actor, ticket)
    CounterTicket.objects.filter(pk=ticket.pk, state=CounterTicket.State.CALLED).update(
        state=CounterTicket.State.LEFT, finished_at=timezone.now(), updated_at=timezone.now())
    ticket.refresh_from_db()
    return ticket


def ticket_note(*, actor: User, ticket: CounterTicket, purpose: str, name: str | None = None) -> CounterTicket:
    """Note what a waiting customer came for (asked while they wait), so the window is ready for them."""
    _check(actor, ticket.site_id)
    if ticket.state != CounterTicket.State.WAITING:
        raise DomainError(ErrorCode.CONFLICT, _("Only a waiting customer's note can be changed."), status=409)
    ticket.purpose = " ".join((purpose or "").split())[:200]
    if name is not None:
        ticket.name = " ".join(name.split())[:50]
    ticket.save(update_fields=["purpose", "name", "updated_at"])
    return ticket
