"""C7 quotes (估价单): items from the price list, off-list items approved by a supervisor before the customer
sees them, the customer's signed decision, and revisions — an approved or declined quote is never edited."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.scope import can_see_unit
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.field.models import FieldJob, PriceItem, Quote, QuoteItem, Signature
from anxin.field.services.errors import invalid
from anxin.field.services.guards import once, positive_amount, require_field, require_own
from anxin.field.services.jobs import field_job_ensure, supervisors_for
from anxin.field.services.signatures import signature_take
from anxin.notifications import services as notifications
from anxin.workorders import notices
from anxin.workorders import services as wo
from anxin.workorders.models import WorkOrder, WorkOrderEvent

E = WorkOrderEvent.Type
CENT = Decimal("0.01")
MAX_QUANTITY = Decimal("9999")
MAX_PRICE = Decimal("99999999")


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def quote_total(amounts) -> Decimal:
    return sum(amounts, Decimal("0.00")).quantize(CENT)


def quote_open(order: WorkOrder) -> Quote | None:
    """The revision being worked on or waiting (not superseded)."""
    return Quote.objects.filter(work_order=order).exclude(status=Quote.Status.SUPERSEDED).first()


def _editable(order: WorkOrder, actor: User) -> Quote:
    quote = quote_open(order)
    if quote is None:
        quote = Quote.objects.create(work_order=order, revision=1, created_by=actor)
    elif quote.is_frozen:
        raise DomainError(ErrorCode.CONFLICT, _("The customer has already decided on revision %(rev)d; "
                                                "start a new revision to change it.") % {"rev": quote.revision},
                          {"revision": quote.revision}, status=409)
    return quote


def _refresh(quote: Quote) -> None:
    quote.total = quote_total(i.amount for i in quote.items.all())
    if quote.status in (Quote.Status.READY, Quote.Status.NEEDS_APPROVAL):
        quote.status = Quote.Status.DRAFT  # a changed quote is checked again before the customer sees it
    quote.save(update_fields=["total", "status"])


def quote_add_item(*, order: WorkOrder, actor: User, quantity, price_item: PriceItem | None = None,
                   description: str = "", kind: str = "", unit_price=None, token: str = "") -> QuoteItem | None:
    """Add a line: from the price list (its price), or off the list (needs a supervisor's approval).

    A line is money the customer signs for: the step token makes a re-send, a double tap or a retry after a
    dropped response add it once (None when the token was already used).
    """
    require_field(order)
    require_own(order, actor)
    qty = positive_amount(quantity, "quantity", MAX_QUANTITY)
    if price_item is not None:
        if not price_item.is_active:
            raise invalid(_("This price-list item is no longer offered."), "price_item")
        kind, description, price = price_item.kind, price_item.name, price_item.unit_price
    else:
        if kind not in PriceItem.Kind.values:
            raise invalid(_("Choose labour, parts or transport."), "kind")
        if not description.strip():
            raise invalid(_("Describe the item."), "description")
        price = positive_amount(unit_price, "unit_price", MAX_PRICE)
    with transaction.atomic():
        wo.workorder_lock(order)
        if not once(order, token):
            return None
        quote = _editable(order, actor)
        item = QuoteItem.objects.create(quote=quote, kind=kind, price_item=price_item,
                                        description=description.strip()[:100], quantity=qty, unit_price=price,
                                        amount=line_amount(qty, price))
        _refresh(quote)
        wo.workorder_record_step(order=order, type=E.QUOTE_CHANGED, actor=actor,
                                 reason=_("Item added") if price_item else _("Off-list item added"),
                                 data={"revision": quote.revision, "item": item.description,
                                       "amount": str(item.amount), "off_list": price_item is None})
    return item


def quote_remove_item(*, order: WorkOrder, actor: User, item_id: int, token: str = "") -> Quote | None:
    require_own(order, actor)
    with transaction.atomic():
        wo.workorder_lock(order)
        if not once(order, token):
            return None
        quote = _editable(order, actor)
        deleted, _rows = QuoteItem.objects.filter(quote=quote, pk=item_id).delete()
        if not deleted:
            raise invalid(_("No such item on this quote."), "item")
        _refresh(quote)
        wo.workorder_record_step(order=order, type=E.QUOTE_CHANGED, actor=actor, reason=_("Item removed"),
                                 data={"revision": quote.revision})
    return quote


def quote_submit(*, order: WorkOrder, actor: User, token: str = "") -> Quote | None:
    """Done adding items: ready for the customer, or first to a supervisor when an item is off the list."""
    require_own(order, actor)
    with transaction.atomic():
        wo.workorder_lock(order)
        if not once(order, token):
            return None
        quote = _editable(order, actor)
        items = list(quote.items.all())
        if not items:
            raise invalid(_("The quote has no items."), "items")
        pending = [i for i in items if i.off_list and i.approved_by_id is None]
        quote.status = Quote.Status.NEEDS_APPROVAL if pending else Quote.Status.READY
        quote.save(update_fields=["status"])
        if not pending:
            notices.customer_quote_waiting(order, quote.pk, quote.total)
        if pending:
            notifications.notify(recipients=supervisors_for(order), kind="quote_approval",
                                 url=f"/field/orders/{order.public_id}/",
                                 subject=_("Off-list quote items on %(number)s need your approval")
                                 % {"number": order.number}, dedupe_key=f"quote:{quote.pk}:{len(items)}")
    return quote


def quote_approve_items(*, order: WorkOrder, actor: User) -> Quote:
    """A supervisor approves the off-list items so the customer may see the quote."""
    if not actor.has_perm("field.approve_field") or not can_see_unit(actor, order.site_id):
        raise PermissionDeniedError()
    with transaction.atomic():
        wo.workorder_lock(order)
        quote = quote_open(order)
        if quote is None or quote.status != Quote.Status.NEEDS_APPROVAL:
            raise DomainError(ErrorCode.CONFLICT, _("No quote is waiting for approval."), status=409)
        quote.items.filter(price_item__isnull=True, approved_by__isnull=True).update(approved_by=actor)
        quote.status = Quote.Status.READY
        quote.save(update_fields=["status"])
        notices.customer_quote_waiting(order, quote.pk, quote.total)
        wo.workorder_record_step(order=order, type=E.QUOTE_CHANGED, actor=actor,
                                 reason=_("Off-list items approved"), data={"revision": quote.revision})
        audit_record(actor=actor, action="approve", object_type="field.quote", object_id=order.public_id,
                     summary=f"{order.number} quote r{quote.revision} {quote.total}")
    return quote


def quote_decide(*, order: WorkOrder, actor: User, approve: bool, signer_name: str, signature: str,
                 token: str = "") -> Quote | None:
    """The customer approves or declines the quote by signing on the phone."""
    require_field(order)
    require_own(order, actor)
    with transaction.atomic():
        if not once(order, token):
            return None
        wo.workorder_lock(order)
        quote = quote_open(order)
        if quote is None or quote.status != Quote.Status.READY:
            raise DomainError(ErrorCode.CONFLICT, _("The quote is not ready for the customer."), status=409)
        lines = "; ".join(f"{i.description} {i.quantity}×{i.unit_price}={i.amount}" for i in quote.items.all())
        content = _("Quote %(number)s revision %(rev)d, total ¥%(total)s: %(lines)s") % {
            "number": order.number, "rev": quote.revision, "total": quote.total, "lines": lines}
        purpose = Signature.Purpose.QUOTE_APPROVED if approve else Signature.Purpose.QUOTE_DECLINED
        quote.signature = signature_take(order=order, actor=actor, purpose=purpose, signer_name=signer_name,
                                         data_url=signature, content=content)
        quote.status = Quote.Status.APPROVED if approve else Quote.Status.DECLINED
        quote.decided_at = timezone.now()
        quote.save(update_fields=["signature", "status", "decided_at"])
        wo.workorder_record_step(order=order, type=E.QUOTE_DECIDED, actor=actor, is_public=True,
                                 reason=quote.get_status_display(), body=content,
                                 data={"revision": quote.revision, "total": str(quote.total),
                                       "approved": approve})
    return quote


def quote_decide_online(*, order: WorkOrder, actor: User, approve: bool, decided_by: str) -> Quote:
    """The customer approves or declines the quote from the portal (signed in with an SMS code: no drawn signature).

    The technician hears of it at once; a decision already taken answers 409, so a double tap decides once.
    """
    require_field(order)
    with transaction.atomic():
        locked = wo.workorder_lock(order)
        quote = quote_open(locked)
        if quote is None or quote.status != Quote.Status.READY:
            raise DomainError(ErrorCode.CONFLICT, _("There is no quote waiting for your decision."), status=409)
        quote.status = Quote.Status.APPROVED if approve else Quote.Status.DECLINED
        quote.decided_at = timezone.now()
        quote.save(update_fields=["status", "decided_at"])
        wo.workorder_record_step(order=locked, type=E.QUOTE_DECIDED, actor=actor, is_public=True,
                                 reason=quote.get_status_display(),
                                 body=_("Decided online by %(name)s: quote revision %(rev)d, total ¥%(total)s")
                                 % {"name": decided_by, "rev": quote.revision, "total": quote.total},
                                 data={"revision": quote.revision, "total": str(quote.total), "approved": approve,
                                       "online": True})
        if locked.owner is not None:
            notifications.notify(recipients=[locked.owner], kind="quote_decided", urgent=True,
                                 url=f"/field/my/{locked.public_id}/",
                                 subject=(_("%(number)s: the customer approved the quote online") if approve else
                                          _("%(number)s: the customer declined the quote online"))
                                 % {"number": locked.number},
                                 dedupe_key=f"quote_decided:{quote.pk}")
        audit_record(actor=actor, action="approve" if approve else "decline", object_type="field.quote",
                     object_id=locked.public_id, summary=f"{locked.number} quote r{quote.revision} online")
    return quote


def quote_revise(*, order: WorkOrder, actor: User, token: str = "") -> Quote | None:
    """A decided quote is changed only as a new revision (items copied), which needs approval again."""
    require_own(order, actor)
    with transaction.atomic():
        wo.workorder_lock(order)
        if not once(order, token):
            return None
        current = quote_open(order)
        if current is None or not current.is_frozen:
            raise DomainError(ErrorCode.CONFLICT, _("The current quote can still be edited."), status=409)
        current.status = Quote.Status.SUPERSEDED
        current.save(update_fields=["status"])
        new = Quote.objects.create(work_order=order, revision=current.revision + 1, created_by=actor,
                                   total=current.total)
        QuoteItem.objects.bulk_create([
            QuoteItem(quote=new, kind=i.kind, price_item=i.price_item, description=i.description,
                      quantity=i.quantity, unit_price=i.unit_price, amount=i.amount, approved_by=i.approved_by)
            for i in current.items.all()])
        wo.workorder_record_step(order=order, type=E.QUOTE_CHANGED, actor=actor,
                                 reason=_("New revision %(rev)d") % {"rev": new.revision},
                                 data={"revision": new.revision})
    return new


def pre_authorised_set(*, order: WorkOrder, actor: User, text: str) -> FieldJob:
    """C7: what the customer allows the technician to do without asking again (written on the quote)."""
    require_own(order, actor)
    with transaction.atomic():
        job = field_job_ensure(order)
        job.pre_authorised = text.strip()[:500]
        job.save(update_fields=["pre_authorised", "updated_at"])
        wo.workorder_record_step(order=order, type=E.QUOTE_CHANGED, actor=actor,
                                 reason=_("May do without asking again"), body=job.pre_authorised)
    return job
