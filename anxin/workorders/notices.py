"""Who hears about a work order, and what (I1). Called by services inside their transaction.

Only public facts go to customers: number, status, the technician's name — never notes.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from anxin.accounts.selectors import name_for_customers, on_duty_for
from anxin.core.signing import rating_url
from anxin.notifications import services as notifications
from anxin.workorders import events
from anxin.workorders.mail_threads import thread_message_id
from anxin.workorders.models import Channel, WorkOrder
from anxin.workorders.states import Status

CUSTOMER_MILESTONES = {Status.ACCEPTED, Status.DISPATCHED, Status.RESOLVED, Status.CLOSED}


def emergency_created(order: WorkOrder) -> None:
    """A9/I1: a new emergency reaches the on-duty staff at once, day or night, quiet hours or not."""
    notifications.notify(recipients=on_duty_for(site_id=order.site_id), kind="emergency", urgent=True,
                         subject=_("Emergency %(number)s: %(title)s") % {"number": order.number, "title": order.title},
                         body=order.description[:300], url=f"/orders/{order.public_id}/",
                         dedupe_key=f"emergency:{order.pk}")


def dispatched_to(order: WorkOrder, owner) -> None:
    """I1: the person an order was given to hears about it."""
    notifications.notify(recipients=[owner], kind="dispatch", urgent=order.is_emergency,
                         subject=_("New order for you: %(number)s %(title)s") % {"number": order.number,
                                                                               "title": order.title},
                         url=f"/orders/{order.public_id}/", dedupe_key=f"dispatch:{order.pk}:{order.version}")


def customer_wrote(order: WorkOrder, event) -> None:
    """The owner (or, without one, whoever took the order) sees the customer's message in the inbox."""
    who = order.owner or order.taken_by
    if who is None or not who.has_usable_password():
        return  # nobody yet, or the order was taken by a channel account: the queue shows it
    notifications.notify(recipients=[who], kind="customer_message", url=f"/orders/{order.public_id}/",
                         subject=_("%(number)s: the customer wrote") % {"number": order.number},
                         body=event.body[:300], dedupe_key=f"customer_message:{event.pk}")


def _customer_channel(order: WorkOrder, mobile: str) -> str:
    """The channel a message to this order's customer goes by: the one they chose, when it can reach them;
    otherwise by email for an order that came by email (or a customer with an address and no mobile), else SMS."""
    customer, chosen = order.customer, order.customer.preferred_channel
    reachable = {"wechat": bool(customer.wechat_openid), "email": bool(customer.email), "sms": bool(mobile)}
    if reachable.get(chosen):
        return chosen
    return "email" if customer.email and (order.channel == Channel.EMAIL or not mobile) else "sms"


def _tell_customer(order: WorkOrder, kind: str, text: str, dedupe_key: str, quiet: bool = True):
    """One message to the customer (once per key, outside their quiet hours) and the message on the order's
    timeline — written only when the message is new, so a repeated decision leaves one line.

    By the customer's channel (`_customer_channel`): an email is threaded so a reply lands on the order; a WeChat
    template message opens the order in the portal."""
    customer = order.customer
    mobile = next((c.phone for c in customer.contacts.all() if c.kind == "mobile"), "")
    channel = _customer_channel(order, mobile)
    if channel == "email":
        sent = notifications.notify_email(
            address=customer.email, kind=kind, subject=f"[{order.number}] {text}"[:200], body=text,
            dedupe_key=dedupe_key, quiet=quiet, headers={
                "Message-ID": thread_message_id(order, kind), "References": thread_message_id(
                    order, "thread", unique=False)})
    elif channel == "wechat":
        sent = notifications.notify_wechat(openid=customer.wechat_openid, kind=kind, text=text, dedupe_key=dedupe_key,
                                           url=f"{settings.SITE_URL}/portal/orders/{order.public_id}/", quiet=quiet)
    else:
        sent = notifications.notify_phone(phone=mobile, kind=kind, text=text, dedupe_key=dedupe_key, quiet=quiet)
    if sent is not None:
        events.customer_told_event(order=order, body=text, data={"kind": kind, "notification": sent.pk,
                                                                 "channel": sent.channel,
                                                                 "at": sent.next_attempt_at.isoformat()})
    return sent


def customer_incident(order: WorkOrder, kind: str, text: str, dedupe_key: str) -> bool:
    """A11: one message about a mass outage, at once (not held for quiet hours), by the customer's channel as any
    milestone; the key names the incident, the event and the customer, so a customer with two reports, or a worker
    that restarts, gets it once. True when it was sent now."""
    if order.customer_id is None:
        return False
    return _tell_customer(order, kind, text, dedupe_key, quiet=False) is not None


def _customer_language(order: WorkOrder) -> str:
    return "en" if order.customer.preferred_language == "en" else "zh-hans"


def customer_milestone(order: WorkOrder, status: str) -> None:
    """I1: accepted / technician assigned / done / rate us, by SMS to the customer's primary mobile, in their language."""
    if status not in CUSTOMER_MILESTONES or order.customer_id is None:
        return
    with translation.override(_customer_language(order)):
        text = {
            Status.ACCEPTED: _("[Anxin] Your request %(number)s has been accepted; follow it at %(portal)s"),
            Status.DISPATCHED: _("[Anxin] Order %(number)s: technician %(name)s has been assigned and will contact you."),
            Status.RESOLVED: _("[Anxin] Order %(number)s is done. Thank you; we may call to ask how it went."),
            Status.CLOSED: _("[Anxin] How did we do on order %(number)s? Rate us (1 minute): %(link)s"),
        }[Status(status)] % {"number": order.number, "name": name_for_customers(order.owner),
                             "link": rating_url(order.public_id), "portal": f"{settings.SITE_URL}/portal/"}
    _tell_customer(order, f"milestone_{status}", text, f"milestone:{order.pk}:{status}:{order.version}")


def customer_on_the_way(order: WorkOrder, technician, visit_id: int) -> None:
    """I1: the technician is on the way, with his name."""
    if order.customer_id is None:
        return
    with translation.override(_customer_language(order)):
        text = _("[Anxin] Order %(number)s: technician %(name)s is on the way to you.") % {
            "number": order.number, "name": name_for_customers(technician)}
    _tell_customer(order, "milestone_on_the_way", text, f"on_the_way:{visit_id}")


def customer_quote_waiting(order: WorkOrder, quote_id: int, total) -> None:
    """I1: a quote waits for the customer's decision; the portal shows it with Approve / Decline."""
    if order.customer_id is None:
        return
    with translation.override(_customer_language(order)):
        text = _("[Anxin] Order %(number)s: a quote of ¥%(total)s waits for your decision: %(portal)s") % {
            "number": order.number, "total": total,
            "portal": f"{settings.SITE_URL}/portal/orders/{order.public_id}/"}
    _tell_customer(order, "milestone_quote", text, f"quote_waiting:{quote_id}")
