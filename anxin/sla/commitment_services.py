"""E5/A10: promises made by hand, with owner, due time and outcome. The only writer of Commitment."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.scope import can_see_unit
from anxin.accounts.selectors import languages_of, skilled_staff_for
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.notifications import services as notifications
from anxin.sla.models import Commitment
from anxin.workorders import services as wo_services
from anxin.workorders.models import WorkOrder, WorkOrderEvent

REMIND_BEFORE = timedelta(minutes=10)
CALLBACK_MINUTES = 30  # A10: a question not answered on the spot gets a callback within 30 minutes


def commitment_make(*, order: WorkOrder, actor: User, description: str, kind: str = Commitment.Kind.CALLBACK,
                    due_at: datetime | None = None, owner: User | None = None) -> Commitment:
    """Record a promise on an order (default: call back within 30 minutes, owned by whoever made it)."""
    if not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    text = (description or "").strip()
    if not text or len(text) > 200:
        raise DomainError(ErrorCode.INVALID, _("Say what was promised (at most 200 characters)."),
                          {"field": "description"})
    now = timezone.now()
    due_at = due_at or now + timedelta(minutes=CALLBACK_MINUTES)
    if due_at <= now:
        raise DomainError(ErrorCode.INVALID, _("A promise must be due in the future."), {"field": "due_at"})
    if owner is None and kind == Commitment.Kind.CALLBACK:
        owner = _language_owner(order, actor)
    owner = owner or actor
    if not owner.is_active or not can_see_unit(owner, order.site_id):
        raise DomainError(ErrorCode.INVALID, _("This person cannot handle orders of this site."), {"field": "owner"})
    if kind not in Commitment.Kind.values:
        raise DomainError(ErrorCode.INVALID, _("Unknown field."), {"field": "kind"})
    with transaction.atomic():
        commitment = Commitment.objects.create(work_order=order, kind=kind, description=text, owner=owner,
                                               made_by=actor, due_at=due_at)
        wo_services.workorder_record_sla_event(
            order=order, type=WorkOrderEvent.Type.COMMITMENT_MADE, reason=text,
            data={"commitment": commitment.pk, "due_at": due_at.isoformat(), "owner": str(owner)})
        audit_record(actor=actor, action="create", object_type="sla.commitment", object_id=commitment.pk,
                     summary=f"{order.number} {text}"[:200])
        if owner != actor:  # someone else keeps it (A12: the agent who speaks the customer's language)
            notifications.notify(
                recipients=[owner], kind="commitment_assigned", url=f"/orders/{order.public_id}/",
                subject=_("%(number)s: you keep this promise by %(due)s — %(what)s")
                % {"number": order.number, "due": timezone.localtime(due_at).strftime("%H:%M"), "what": text},
                dedupe_key=f"commitment_assigned:{commitment.pk}")
    return commitment


def _language_owner(order: WorkOrder, actor: User) -> User | None:
    """A12: a callback to a customer who prefers another language than Chinese goes to an agent who speaks it,
    when the one promising it does not (None: keep the one promising it)."""
    language = order.customer.preferred_language if order.customer_id else "zh"
    if language == "zh" or language in languages_of(user=actor):
        return None
    skilled = skilled_staff_for(site_id=order.site_id, language=language)
    return skilled[0] if skilled else None


def commitment_close(*, commitment: Commitment, actor: User, outcome: str, note: str = "") -> Commitment:
    """Record kept / missed / cancelled, once. "Kept" after the due time counts as missed."""
    if outcome not in (Commitment.Outcome.KEPT, Commitment.Outcome.MISSED, Commitment.Outcome.CANCELLED):
        raise DomainError(ErrorCode.INVALID, _("Unknown field."), {"field": "outcome"})
    if not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    now = timezone.now()
    if outcome == Commitment.Outcome.KEPT and now > commitment.due_at:
        outcome, note = Commitment.Outcome.MISSED, (note + " " + _("(kept late)")).strip()
    with transaction.atomic():
        if not Commitment.objects.filter(pk=commitment.pk, outcome=Commitment.Outcome.OPEN).update(
                outcome=outcome, outcome_at=now, outcome_note=note[:200], updated_at=now):
            raise DomainError(ErrorCode.CONFLICT, _("This promise was already closed."), status=409)
        commitment.refresh_from_db()
        wo_services.workorder_record_sla_event(
            order=commitment.work_order, type=WorkOrderEvent.Type.COMMITMENT_CLOSED,
            reason=f"{commitment.get_outcome_display()}: {commitment.description}",
            data={"commitment": commitment.pk, "outcome": outcome})
        audit_record(actor=actor, action="update", object_type="sla.commitment", object_id=commitment.pk,
                     summary=outcome)
    return commitment


def commitments_sweep(*, now: datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """Remind the owner 10 minutes before a promise is due, and tell them when it is overdue — once each."""
    now = now or timezone.now()
    counts = {"reminded": 0, "overdue": 0}
    for field, kind, when, key in (("reminded_at", "commitment_due_soon", now + REMIND_BEFORE, "reminded"),
                                   ("overdue_at", "commitment_overdue", now, "overdue")):
        due = Commitment.objects.filter(outcome=Commitment.Outcome.OPEN, due_at__lte=when,
                                        **{f"{field}__isnull": True}).select_related("work_order", "owner")[:limit]
        for c in due:
            with transaction.atomic():
                if not Commitment.objects.filter(pk=c.pk, **{f"{field}__isnull": True}).update(**{field: now}):
                    continue
                subject = (_("Promise due soon: %(what)s (%(number)s)") if key == "reminded"
                           else _("Promise overdue: %(what)s (%(number)s)")) % {"what": c.description,
                                                                               "number": c.work_order.number}
                notifications.notify(recipients=[c.owner], kind=kind, subject=subject,
                                     url=f"/orders/{c.work_order.public_id}/", dedupe_key=f"{kind}:{c.pk}", now=now)
            counts[key] += 1
    return counts
