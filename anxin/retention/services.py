"""B4 retention and PIPL deletion: what is past its keeping time (or asked to be deleted) is proposed as a batch,
reviewed by a data officer who did not propose it, then purged item by item.

A purge removes personal data and keeps the rows: a purged archive keeps its site, district and tier, a purged
order its type, site, category, times and status — so every count by type, site and month stays what it was.
It is the one writer that reaches into several apps' tables (like a data migration): what is personal in each
table is listed here, in one place, for the reviewer to read. Each item is purged in its own transaction, so a
purge stopped half-way resumes at the next pending item and no item is ever half purged.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.audit.services import audit_record
from anxin.complaints.models import Complaint
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.core.signals import changed
from anxin.customers.models import Customer
from anxin.field.models import Signature
from anxin.intake.models import ContactLog, CounterTicket
from anxin.mailintake.models import InboundMail
from anxin.notifications.models import Notification
from anxin.retention.models import LegalHold, PurgeBatch, PurgeItem
from anxin.revisits.models import Revisit, SelfRating
from anxin.workorders.models import Attachment, WorkOrder, WorkOrderEvent
from anxin.workorders.states import OPEN_STATUSES, Type

REVIEW = "retention.review_purge"
OPEN_BATCH = (PurgeBatch.Status.PROPOSED, PurgeBatch.Status.HELD, PurgeBatch.Status.APPROVED)


def _years_ago(now: datetime, years: int) -> datetime:
    return now - timedelta(days=365 * years + years // 4)


def _blocked(customer_id: int) -> str:
    """Why this customer may not be purged now ("" when nothing stands in the way)."""
    if LegalHold.objects.filter(customer_id=customer_id).exists():
        return _("Under a legal hold.")
    if WorkOrder.objects.filter(customer_id=customer_id, type__in=(Type.COMPLAINT, Type.REPORT),
                                status__in=OPEN_STATUSES).exists():
        return _("A complaint of this customer is still open.")
    return ""


def candidates_propose(*, now: datetime | None = None, actor: User | None = None) -> PurgeBatch | None:
    """The monthly proposal: archives with no service for RETENTION_ARCHIVE_YEARS and orders received more than
    RETENTION_ORDER_YEARS ago, not purged yet, not in another open batch, no legal hold, no open complaint.
    `actor`: a reviewer who lists them now (then someone else reviews); None for the monthly task."""
    if actor is not None and not actor.has_perm(REVIEW):
        raise PermissionDeniedError()
    now = now or timezone.now()
    in_batch = PurgeItem.objects.filter(Q(batch__status__in=OPEN_BATCH) | Q(state=PurgeItem.State.PURGED))
    held = LegalHold.objects.values("customer_id")
    open_complaint = WorkOrder.objects.filter(customer_id=OuterRef("pk"), type__in=(Type.COMPLAINT, Type.REPORT),
                                              status__in=OPEN_STATUSES)
    archive_cut = _years_ago(now, settings.RETENTION_ARCHIVE_YEARS)
    customers = list(
        Customer.objects.annotate(last=Max("work_orders__received_at"))
        .filter(Q(last__lt=archive_cut) | Q(last__isnull=True, created_at__lt=archive_cut))
        .exclude(pk__in=held).exclude(Exists(open_complaint))
        .exclude(pk__in=in_batch.filter(customer__isnull=False).values("customer_id"))
        .values_list("pk", flat=True)[:5000])
    orders = list(
        WorkOrder.objects.filter(received_at__lt=_years_ago(now, settings.RETENTION_ORDER_YEARS))
        .exclude(status__in=OPEN_STATUSES).exclude(customer_id__in=held)
        .exclude(pk__in=in_batch.filter(work_order__isnull=False).values("work_order_id"))
        .values_list("pk", flat=True)[:20000])
    if not customers and not orders:
        return None
    with transaction.atomic():
        batch = PurgeBatch.objects.create(kind=PurgeBatch.Kind.RETENTION, proposed_by=actor, reason=_(
            "No service for %(archive)d years, or received more than %(order)d years ago")
            % {"archive": settings.RETENTION_ARCHIVE_YEARS, "order": settings.RETENTION_ORDER_YEARS})
        PurgeItem.objects.bulk_create([PurgeItem(batch=batch, customer_id=pk) for pk in customers]
                                      + [PurgeItem(batch=batch, work_order_id=pk) for pk in orders])
        audit_record(actor=actor, action="create", object_type="retention.purgebatch", object_id=batch.public_id,
                     summary=f"proposed: {len(customers)} archives, {len(orders)} orders")
    return batch


def purge_request(*, actor: User, customer: Customer, reason: str) -> PurgeBatch:
    """A customer asks for their personal data to be deleted (PIPL): the archive and all its orders, reviewed by a
    data officer like any batch."""
    if not (actor.has_perm("customers.change_customer") or actor.has_perm(REVIEW)):
        raise PermissionDeniedError()
    if not reason.strip():
        raise DomainError(ErrorCode.INVALID, _("Say how and when the customer asked."), {"field": "reason"})
    if blocked := _blocked(customer.pk):
        raise DomainError(ErrorCode.CONFLICT, blocked, {"field": "customer"}, status=409)
    if PurgeItem.objects.filter(customer=customer, batch__status__in=OPEN_BATCH).exists():
        raise DomainError(ErrorCode.CONFLICT, _("A deletion of this customer is already waiting for review."),
                          status=409)
    with transaction.atomic():
        batch = PurgeBatch.objects.create(kind=PurgeBatch.Kind.REQUEST, proposed_by=actor,
                                          reason=reason.strip()[:300])
        PurgeItem.objects.create(batch=batch, customer=customer)
        PurgeItem.objects.bulk_create([PurgeItem(batch=batch, work_order_id=pk) for pk in
                                       WorkOrder.objects.filter(customer=customer).values_list("pk", flat=True)])
        audit_record(actor=actor, action="create", object_type="retention.purgebatch", object_id=batch.public_id,
                     summary=f"deletion request for customer {customer.public_id}")
    return batch


def _review(batch: PurgeBatch, actor: User) -> PurgeBatch:
    if not actor.has_perm(REVIEW):
        raise PermissionDeniedError()
    locked = PurgeBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.proposed_by_id == actor.pk:
        raise DomainError(ErrorCode.PERMISSION_DENIED, _("Four eyes: a batch is reviewed by someone other than "
                                                         "who proposed it."), status=403)
    if locked.status not in (PurgeBatch.Status.PROPOSED, PurgeBatch.Status.HELD):
        raise DomainError(ErrorCode.CONFLICT, _("This batch was already approved."), status=409)
    return locked


def batch_hold(*, batch: PurgeBatch, actor: User, note: str) -> PurgeBatch:
    if not note.strip():
        raise DomainError(ErrorCode.INVALID, _("Say why the batch is held."), {"field": "note"})
    with transaction.atomic():
        locked = _review(batch, actor)
        locked.status, locked.review_note = PurgeBatch.Status.HELD, note.strip()[:300]
        locked.reviewed_by, locked.reviewed_at = actor, timezone.now()
        locked.save()
        audit_record(actor=actor, action="update", object_type="retention.purgebatch", object_id=locked.public_id,
                     summary=f"held: {locked.review_note}")
    return locked


def batch_approve(*, batch: PurgeBatch, actor: User, note: str = "") -> PurgeBatch:
    """Approved → purged by the worker (`purge_batches_task`), which resumes any approved batch left unfinished."""
    with transaction.atomic():
        locked = _review(batch, actor)
        locked.status, locked.review_note = PurgeBatch.Status.APPROVED, note.strip()[:300]
        locked.reviewed_by, locked.reviewed_at = actor, timezone.now()
        locked.save()
        audit_record(actor=actor, action="approve", object_type="retention.purgebatch", object_id=locked.public_id,
                     summary=f"approved by {actor.username}: {locked.items.count()} items")
    from anxin.retention.tasks import purge_batches_task

    purge_batches_task.enqueue()  # after the approval's commit; the hourly tick resumes it after a restart
    return locked


def batches_purge(*, limit: int = 500) -> int:
    """Purge the pending items of approved batches, each in its own transaction; close finished batches."""
    done = 0
    for item in (PurgeItem.objects.filter(batch__status=PurgeBatch.Status.APPROVED, state=PurgeItem.State.PENDING)
                 .select_related("batch").order_by("batch_id", "id")[:limit]):
        with transaction.atomic():
            locked = PurgeItem.objects.select_for_update().filter(pk=item.pk, state=PurgeItem.State.PENDING).first()
            if locked is None:
                continue  # another worker took it
            customer_id = locked.customer_id or (WorkOrder.objects.filter(pk=locked.work_order_id)
                                                 .values_list("customer_id", flat=True).first())
            if customer_id and (blocked := _blocked(customer_id)):
                locked.state, locked.skip_reason = PurgeItem.State.SKIPPED, blocked[:200]
            else:
                if locked.customer_id:
                    _customer_anonymise(locked.customer_id)
                if locked.work_order_id:
                    _order_anonymise(locked.work_order_id)
                locked.state, locked.purged_at = PurgeItem.State.PURGED, timezone.now()
            locked.save(update_fields=["state", "skip_reason", "purged_at"])
            done += 1
    for batch in PurgeBatch.objects.filter(status=PurgeBatch.Status.APPROVED).exclude(
            Exists(PurgeItem.objects.filter(batch=OuterRef("pk"), state=PurgeItem.State.PENDING))):
        batch.status, batch.done_at = PurgeBatch.Status.DONE, timezone.now()
        batch.save(update_fields=["status", "done_at", "updated_at"])
        counts = {s: batch.items.filter(state=s).count() for s in (PurgeItem.State.PURGED, PurgeItem.State.SKIPPED)}
        audit_record(actor=batch.reviewed_by, action="delete", object_type="retention.purgebatch",
                     object_id=batch.public_id, summary=f"purged {counts['purged']}, skipped {counts['skipped']}",
                     data={"approved_by": batch.reviewed_by.username if batch.reviewed_by else "", **counts})
    return done


PURGED_NAME = "已清除"


def _customer_anonymise(customer_id: int) -> None:
    """The archive keeps site, district, tier and dates; names, phones, address details, email, notes and position
    go, with the contacts and what intake kept of their calls and visits."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    phones = list(customer.contacts.values_list("phone", flat=True))
    addresses = phones + ([customer.email] if customer.email else [])
    customer.name = f"{PURGED_NAME} #{customer.pk}"
    customer.street = customer.number = customer.address_detail = customer.postcode = ""
    customer.email = customer.notes = customer.search_text = ""
    customer.lat = customer.lng = None
    customer.save()
    customer.contacts.all().delete()
    ContactLog.objects.filter(Q(customer=customer) | Q(phone__in=phones)).update(
        phone="", caller_name="", content="", product_no="", handling_opinion="", result="")
    CounterTicket.objects.filter(Q(customer=customer) | Q(phone__in=phones)).update(phone="", name="", purpose="")
    # the outbox kept where each SMS or mail to them went, and the gateway's request: both name them
    Notification.objects.filter(to_address__in=addresses).update(to_address="", request={})
    _mails_forget(InboundMail.objects.filter(customer=customer))
    changed("customer", customer.pk)


def _order_anonymise(order_id: int) -> None:
    """The order keeps type, site, category, status and times; its text, the caller's number, what was written on
    its timeline, its files and signatures go."""
    order = WorkOrder.objects.select_for_update(of=("self",)).select_related("category").get(pk=order_id)
    order.title = str(order.category or order.get_type_display())[:100]
    order.description = order.caller_number = ""
    order.save(update_fields=["title", "description", "caller_number", "updated_at"])
    WorkOrderEvent.objects.filter(work_order=order).exclude(body="").update(body="")
    for attachment in Attachment.objects.filter(work_order=order):
        from anxin.workorders.attachments import attachment_path

        attachment_path(attachment).unlink(missing_ok=True)
        attachment.delete()
    Signature.objects.filter(work_order=order).update(signer_name="", image=b"", content="")
    ContactLog.objects.filter(work_order=order).update(phone="", caller_name="", content="")
    # what the customer said in a complaint, a revisit or a rating, and the mail the order came from
    Complaint.objects.filter(work_order=order).update(what_happened="", customer_wants="", handling_form_note="")
    Revisit.objects.filter(work_order=order).update(comments="")
    SelfRating.objects.filter(work_order=order).update(comment="")
    _mails_forget(InboundMail.objects.filter(work_order=order))
    changed("order", order.pk)


def _mails_forget(mails) -> None:
    """Inbound mail: the stored raw message is deleted; the row (Message-ID, outcome) stays so a resent mail is
    still recognised, without its sender and subject."""
    for name in mails.exclude(raw_name="").values_list("raw_name", flat=True):
        (settings.MEDIA_ROOT / "mail" / name).unlink(missing_ok=True)
    mails.update(from_address="", subject="", raw_name="")


def customer_data_export(*, actor: User, customer: Customer, request=None) -> dict:
    """PIPL: everything held on one customer — archive, contacts, assets, orders with their timelines, calls and
    visits — for the data officer; the export is in the audit log."""
    if not actor.has_perm("retention.export_customer_data"):
        raise PermissionDeniedError()

    def row(obj, *fields):
        return {f: (v.isoformat() if hasattr(v, "isoformat") else v if isinstance(v, (int, float, bool, type(None)))
                    else str(v)) for f in fields for v in [getattr(obj, f)]}

    orders = list(WorkOrder.objects.filter(customer=customer).select_related("category", "site")
                  .prefetch_related("events").order_by("received_at"))
    data = {
        "customer": row(customer, "public_id", "name", "kind", "tier", "preferred_language", "province", "city",
                        "district", "street", "number", "address_detail", "postcode", "email", "notes",
                        "created_at"),
        "contacts": [row(c, "kind", "phone", "name") for c in customer.contacts.all()],
        "assets": [row(a, "public_id", "name", "maker", "brand", "model", "spec", "serial_no", "purchased_on",
                       "warranty_ends_on", "location") for a in customer.assets.all()],
        "orders": [{**row(o, "number", "type", "channel", "status", "title", "description", "caller_number",
                          "received_at", "resolved_at", "closed_at"),
                    "site": o.site.name, "category": str(o.category or ""),
                    "timeline": [row(e, "type", "created_at", "reason", "body", "is_public") for e in o.events.all()]}
                   for o in orders],
        "contact_logs": [row(log, "public_id", "channel", "category", "received_at", "phone", "caller_name",
                             "content", "result") for log in ContactLog.objects.filter(customer=customer)],
    }
    audit_record(actor=actor, action="export", object_type="customers.customer", object_id=customer.public_id,
                 summary=f"all data held on the customer ({len(orders)} orders)", request=request)
    return data
