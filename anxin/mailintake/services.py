"""A6: mail to the service address becomes an order; replies thread into it; machines are never answered.

`mail_ingest(raw)` decides what one mail becomes and writes it in one transaction together with its
InboundMail row (unique on mailbox + Message-ID), so a repeat of the same mail — a second fetch after a
crash, two workers at once — changes nothing. `mail_fetch()` reads the IMAP mailbox and flags each mail
\\Seen only after its row is committed: fetch → ingest → flag is resumable at every step.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.services import channel_account
from anxin.core.errors import DomainError
from anxin.core.phone import try_normalize_phone
from anxin.customers.models import Contact, Customer
from anxin.customers.services import customer_create
from anxin.intake.models import ContactLog
from anxin.intake.services import contactlog_create, contactlog_create_order
from anxin.mailintake.models import InboundMail
from anxin.mailintake.parsing import ParsedMail, Quarantine, mobiles_in, order_tag, parse_mail, strip_quoted
from anxin.notifications import services as notifications
from anxin.workorders import attachments
from anxin.workorders import services as wo
from anxin.workorders.mail_threads import order_for_message_id, thread_message_id
from anxin.workorders.models import Channel, WorkOrder
from anxin.workorders.states import Type

logger = logging.getLogger("anxin.mailintake")

MAIL_USERNAME = "mailbox"
MAIL_PERMISSIONS = ["customers.view_customer", "customers.add_customer", "workorders.view_workorder",
                    "workorders.add_workorder", "workorders.change_workorder", "workorders.view_team_orders",
                    "intake.add_contactlog"]


def mail_actor() -> User:
    """The channel account mail orders are taken by (timeline: 邮件受理)."""
    return channel_account(username=MAIL_USERNAME, display_name="邮件受理", permissions=MAIL_PERMISSIONS)


def mailbox_name() -> str:
    return f"{settings.MAIL_IMAP_USER}@{settings.MAIL_IMAP_HOST}/{settings.MAIL_IMAP_FOLDER}"[:120]


# --- deciding what a mail becomes ------------------------------------------------------------------------

def _own_mail(parsed: ParsedMail) -> str:
    """SECURITY-CASES 20: our own mail coming back (sent from our address, or one of our notifications)."""
    ours = {a for a in (settings.MAIL_ADDRESS, settings.DEFAULT_FROM_EMAIL.lower()) if a}
    if parsed.from_address in ours:
        return "sent from our own address"
    if "X-Anxin-Notification" in parsed.headers or parsed.message_id.startswith("anxin."):
        return "one of our own notifications"
    return ""


@dataclass
class Thread:
    order: WorkOrder
    verified: bool  # the sender is the customer's address or wrote on this order before


def _sender_known(order: WorkOrder, address: str, mailbox: str) -> bool:
    if order.customer_id and (order.customer.email or "").lower() == address:
        return True
    return InboundMail.objects.filter(mailbox=mailbox, work_order=order, from_address=address).exists()


def _thread_for(parsed: ParsedMail, mailbox: str) -> Thread | None:
    """The order a reply belongs to: our signed Message-ID in In-Reply-To/References, a mail we filed before,
    or the [GD…] tag in the subject — the tag alone only for a sender the order knows (a tag is easy to type)."""
    order = next((o for o in map(order_for_message_id, parsed.references) if o is not None), None)
    if order is None and parsed.references:
        earlier = (InboundMail.objects.filter(mailbox=mailbox, message_id__in=parsed.references,
                                              work_order__isnull=False)
                   .select_related("work_order__customer").order_by("id").first())
        order = earlier.work_order if earlier else None
    if order is not None:
        return Thread(order, _sender_known(order, parsed.from_address, mailbox))
    tag = order_tag(parsed.subject)
    if tag:
        order = WorkOrder.objects.filter(number=tag).select_related("customer").first()
        if order is not None and _sender_known(order, parsed.from_address, mailbox):
            return Thread(order, True)
    return None


def _site_for_new_mail() -> OrgUnit:
    if settings.MAIL_SITE:
        site = OrgUnit.objects.filter(code=settings.MAIL_SITE).first()
        if site is not None:
            return site
    site = OrgUnit.objects.filter(kind=OrgUnit.Kind.SITE).order_by("id").first()
    return site or OrgUnit.objects.order_by("id").first()


def _customer_for(parsed: ParsedMail, site: OrgUnit, actor: User) -> Customer:
    """By the sender's address, else by a mobile number written in the mail, else a new contact."""
    customer = Customer.objects.filter(email=parsed.from_address).order_by("id").first()
    if customer is not None:
        return customer
    mobiles = [e164 for e164 in map(try_normalize_phone, mobiles_in(parsed.text)) if e164]
    contact = (Contact.objects.filter(phone__in=mobiles).select_related("customer").order_by("id").first()
               if mobiles else None)
    if contact is not None:
        return contact.customer
    name = parsed.from_name or parsed.from_address.split("@")[0]
    return customer_create(actor=actor, site=site, name=name[:100], email=parsed.from_address,
                           contacts=[{"phone": mobiles[0], "kind": "mobile"}] if mobiles else [])


def _checked_parts(parsed: ParsedMail) -> tuple[list, list[str]]:
    """Attachments that pass the usual checks (type by content, size, pixels); the names of those refused."""
    checked, refused = [], []
    for part in parsed.parts:
        upload = SimpleUploadedFile(part.name or "file", part.data, content_type=part.content_type)
        try:
            checked.append(attachments.checked_upload(upload))
        except DomainError as exc:
            refused.append(f"{attachments.safe_display_name(part.name)}（{exc.message}）")
    return checked, refused


def _record(*, mailbox: str, message_id: str, parsed: ParsedMail | None, raw: bytes, outcome: str,
            reason: str = "", uid: int | None = None, keep_raw: bool = False, **links) -> InboundMail:
    raw_name = ""
    if keep_raw:
        raw_name = f"{secrets.token_hex(16)}.eml"
        folder = settings.MEDIA_ROOT / "mail"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / raw_name).write_bytes(raw[:settings.MAIL_MAX_BYTES])
    return InboundMail.objects.create(
        mailbox=mailbox, message_id=message_id, uid=uid, size=len(raw), outcome=outcome, reason=reason[:200],
        from_address=parsed.from_address if parsed else "", subject=parsed.subject if parsed else "",
        raw_name=raw_name, **links)


def _message_id_of(raw: bytes, parsed: ParsedMail | None) -> str:
    if parsed is not None and parsed.message_id:
        return parsed.message_id
    head = raw[:65536].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    match = re.search(rb"(?im)^message-id:\s*<([^<>\s]{1,250})>", head)
    if match:
        return match.group(1).decode("ascii", "replace").lower()
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def mail_ingest(*, raw: bytes, mailbox: str | None = None, uid: int | None = None,
                quarantine: str = "") -> InboundMail:
    """Turn one raw mail into an order, a message on an order, or a parked row; at most once per Message-ID.

    `quarantine` parks the mail unread (the fetcher saw it was too large and sent only its header).
    """
    mailbox = mailbox or mailbox_name()
    parsed = None
    if not quarantine:
        try:
            parsed = parse_mail(raw)
        except Quarantine as q:
            quarantine = q.reason
    message_id = _message_id_of(raw, parsed)
    if (first := InboundMail.objects.filter(mailbox=mailbox, message_id=message_id).first()) is not None:
        return first
    try:
        with transaction.atomic():
            if quarantine:
                logger.warning("mail %s quarantined: %s", message_id, quarantine)
                return _record(mailbox=mailbox, message_id=message_id, parsed=None, raw=raw, uid=uid,
                               outcome=InboundMail.Outcome.QUARANTINED, reason=quarantine,
                               keep_raw=quarantine != "too large")
            ignored = parsed.auto_reason or _own_mail(parsed)
            if ignored:
                logger.info("mail %s from %s ignored: %s", message_id, parsed.from_address, ignored)
                return _record(mailbox=mailbox, message_id=message_id, parsed=parsed, raw=raw, uid=uid,
                               outcome=InboundMail.Outcome.IGNORED, reason=ignored, keep_raw=True)
            return _file(parsed, raw=raw, mailbox=mailbox, message_id=message_id, uid=uid)
    except IntegrityError:
        # another worker filed the same mail a moment ago: theirs stands
        first = InboundMail.objects.filter(mailbox=mailbox, message_id=message_id).first()
        if first is None:
            raise
        return first


def _file(parsed: ParsedMail, *, raw: bytes, mailbox: str, message_id: str, uid: int | None) -> InboundMail:
    """Inside mail_ingest's transaction: a reply goes onto its order, anything else opens one."""
    actor = mail_actor()
    checked, refused = _checked_parts(parsed)
    thread = _thread_for(parsed, mailbox)
    if thread is not None:
        order = thread.order
        row = _record(mailbox=mailbox, message_id=message_id, parsed=parsed, raw=raw, uid=uid,
                      outcome=InboundMail.Outcome.THREADED, work_order=order, customer=order.customer,
                      reason="" if thread.verified else "unverified sender")
        _add_message(order, actor, parsed, checked, refused, verified=thread.verified)
        return row
    site = _site_for_new_mail()
    customer = _customer_for(parsed, site, actor)
    log = contactlog_create(actor=actor, site=customer.site, category=ContactLog.Category.INSTALL_REPAIR,
                            content=_body(parsed.text, refused, 5000), customer=customer, channel=Channel.EMAIL,
                            caller_name=(parsed.from_name or "")[:50])
    order = contactlog_create_order(log=log, actor=actor, type=Type.SERVICE_REQUEST,
                                    title=(parsed.subject or _("Email without a subject"))[:200],
                                    description=_body(parsed.text, refused, 5000))
    attachments.attachments_add_keeping_order(order=order, actor=actor, checked=checked)
    row = _record(mailbox=mailbox, message_id=message_id, parsed=parsed, raw=raw, uid=uid,
                  outcome=InboundMail.Outcome.ORDER, work_order=order, customer=customer)
    _acknowledge(order, parsed)
    return row


def _body(text: str, refused: list[str], limit: int) -> str:
    body = text.strip() or _("(The mail has no text.)")
    if refused:
        body += "\n\n" + _("Attachments refused: %(names)s") % {"names": "；".join(refused)}
    return body if len(body) <= limit else body[: limit - 1] + "…"


def _add_message(order: WorkOrder, actor: User, parsed: ParsedMail, checked: list, refused: list[str],
                 *, verified: bool) -> None:
    text = strip_quoted(parsed.text)
    if not verified:
        # SECURITY-CASES 22: never taken for the customer's (or an agent's) own word
        text = _("Unverified sender %(address)s:") % {"address": parsed.from_address} + "\n" + text
    wo.workorder_customer_message(order=order, actor=actor, body=_body(text, refused, 2000), channel="email",
                                  public=verified)
    attachments.attachments_add_keeping_order(order=order, actor=actor, checked=checked)


def _acknowledge(order: WorkOrder, parsed: ParsedMail) -> None:
    """The answer with the order number — at most MAIL_ACKS_PER_SENDER_HOUR an hour to one sender, so an
    auto-responder that hides what it is still cannot keep a loop going."""
    since = timezone.now() - timedelta(hours=1)
    if notifications.sent_recently(address=parsed.from_address, kind="mail_ack",
                                   since=since) >= settings.MAIL_ACKS_PER_SENDER_HOUR:
        logger.warning("no acknowledgement to %s: hourly limit reached", parsed.from_address)
        return
    language = "en" if order.customer and order.customer.preferred_language == "en" else "zh-hans"
    with translation.override(language):
        subject = _("[%(number)s] Received: %(subject)s") % {"number": order.number, "subject": parsed.subject}
        body = _("Hello,\n\nwe have received your mail and opened order %(number)s. To add anything, reply to "
                 "this mail. You can follow the order at %(portal)s with its number and the last four digits "
                 "of your phone.\n\nThis is an automatic answer.") % {
            "number": order.number, "portal": f"{settings.SITE_URL}/portal/track/"}
    headers = {"Message-ID": thread_message_id(order, "ack")}
    if parsed.message_id:
        headers["In-Reply-To"] = f"<{parsed.message_id}>"
        headers["References"] = f"<{parsed.message_id}>"
    notifications.notify_email(address=parsed.from_address, kind="mail_ack", subject=subject, body=body,
                               dedupe_key=f"mail_ack:{order.pk}", headers=headers)


# --- the IMAP side -----------------------------------------------------------------------------------------

def imap_client():
    from imapclient import IMAPClient

    client = IMAPClient(settings.MAIL_IMAP_HOST, port=settings.MAIL_IMAP_PORT, ssl=settings.MAIL_IMAP_SSL,
                        timeout=settings.MAIL_IMAP_TIMEOUT)
    client.login(settings.MAIL_IMAP_USER, settings.MAIL_IMAP_PASSWORD)
    return client


def mail_fetch(*, limit: int | None = None) -> dict[str, int]:
    """Fetch unseen mail, ingest each, then flag it \\Seen. A crash between ingest and flag leaves the row
    committed; the next fetch finds it by Message-ID and only flags the mail."""
    if not settings.MAIL_IMAP_HOST:
        return {}
    counts = {o.value: 0 for o in InboundMail.Outcome}
    mailbox = mailbox_name()
    client = imap_client()
    try:
        client.select_folder(settings.MAIL_IMAP_FOLDER)
        uids = client.search(["UNSEEN"])[: limit or settings.MAIL_FETCH_BATCH]
        sizes = client.fetch(uids, ["RFC822.SIZE"]) if uids else {}
        for uid in uids:
            size = sizes.get(uid, {}).get(b"RFC822.SIZE", 0)
            if size > settings.MAIL_MAX_BYTES:
                # SECURITY-CASES 23: too large to read: park it with its header only
                head = client.fetch([uid], ["BODY.PEEK[HEADER]"])[uid][b"BODY[HEADER]"]
                row = mail_ingest(raw=head, mailbox=mailbox, uid=uid, quarantine="too large")
            else:
                raw = client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
                row = mail_ingest(raw=raw, mailbox=mailbox, uid=uid)
            client.add_flags([uid], [b"\\Seen"])
            counts[row.outcome] += 1
    finally:
        try:
            client.logout()
        except Exception:  # noqa: BLE001 — the connection is gone anyway
            pass
    return counts
