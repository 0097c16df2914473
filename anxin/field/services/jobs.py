"""The field job record (C1, C6, C9): job type and recall, customer allowances, rework detection, warranty
decisions and settlement, payment."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.scope import can_see_unit
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.field.models import (
    FieldJob,
    JobType,
)
from anxin.field.services.errors import invalid
from anxin.field.services.guards import positive_amount, require_desk, require_field, require_own
from anxin.notifications import services as notifications
from anxin.workorders import services as wo
from anxin.workorders.models import WorkOrder, WorkOrderEvent
from anxin.workorders.states import Family, Status, types_of

E = WorkOrderEvent.Type


def field_job_ensure(order: WorkOrder) -> FieldJob:
    """The order's field record, created on first use (a job type from the category when one is set)."""
    require_field(order)
    job = FieldJob.objects.filter(work_order=order).select_related("job_type").first()
    if job is None:
        default = JobType.objects.filter(category_id=order.category_id, is_active=True).first() \
            if order.category_id else None
        job, _created = FieldJob.objects.get_or_create(work_order=order, defaults={"job_type": default,
                                                                                   "rework_of": rework_candidate(order)})
    return job


def rework_candidate(order: WorkOrder) -> WorkOrder | None:
    """C2 "rework": the same customer's same asset (or, without one, same category) was repaired in the last
    REWORK_DAYS days — this visit is a second one for the same job. The desk can clear or change it."""
    if order.customer_id is None or (order.asset_id is None and order.category_id is None):
        return None
    since = timezone.now() - timedelta(days=settings.FIELD_REWORK_DAYS)
    same = {"asset_id": order.asset_id} if order.asset_id else {"category_id": order.category_id}
    return (WorkOrder.objects.filter(customer_id=order.customer_id, type__in=types_of(Family.FIELD),
                                     status__in=[Status.RESOLVED, Status.CLOSED], resolved_at__gte=since, **same)
            .exclude(pk=order.pk).order_by("-resolved_at").first())


def job_details_set(*, order: WorkOrder, actor: User, job_type: JobType | None, is_recall: bool = False,
                    rework_of: WorkOrder | None = None, pre_authorised: str = "") -> FieldJob:
    """The desk sets what the job is (trade, level, standard time via the job type) and its priority class."""
    require_desk(actor)
    if rework_of is not None and (rework_of.pk == order.pk or rework_of.customer_id != order.customer_id):
        raise invalid(_("Rework refers to an earlier order of the same customer."), "rework_of")
    with transaction.atomic():
        job = field_job_ensure(order)
        job.job_type, job.is_recall, job.rework_of = job_type, is_recall, rework_of
        job.pre_authorised = pre_authorised[:500]
        job.save()
        audit_record(actor=actor, action="update", object_type="field.fieldjob", object_id=order.public_id,
                     summary=f"{order.number} {job_type or '-'}")
    return job


def warranty_decide(*, order: WorkOrder, actor: User, decision: str, note: str = "") -> FieldJob:
    """Covered / not covered, or "needs assessment", which a supervisor settles with `warranty_settle`."""
    require_field(order)
    require_own(order, actor)
    if decision not in (FieldJob.Warranty.COVERED, FieldJob.Warranty.NOT_COVERED, FieldJob.Warranty.ASSESSMENT):
        raise invalid(_("Choose a warranty decision."), "decision")
    if decision == FieldJob.Warranty.ASSESSMENT and not note.strip():
        raise invalid(_("Say why an assessment is needed."), "note")
    with transaction.atomic():
        job = field_job_ensure(order)
        job.warranty, job.warranty_note, job.warranty_approved_by = decision, note.strip()[:300], None
        job.save(update_fields=["warranty", "warranty_note", "warranty_approved_by", "updated_at"])
        wo.workorder_record_step(order=order, type=E.WARRANTY_DECIDED, actor=actor,
                                 reason=FieldJob.Warranty(decision).label, body=job.warranty_note,
                                 data={"decision": decision})
        if decision == FieldJob.Warranty.ASSESSMENT:
            notifications.notify(recipients=supervisors_for(order), kind="warranty_assessment",
                                 url=f"/field/orders/{order.public_id}/",
                                 subject=_("Warranty assessment needed on %(number)s") % {"number": order.number},
                                 body=job.warranty_note, dedupe_key=f"warranty:{order.pk}:{job.updated_at.isoformat()}")
    return job


def supervisors_for(order: WorkOrder) -> list[User]:
    ancestors = order.site.ancestor_ids
    return [u for u in User.objects.filter(is_active=True, org_unit_id__in=ancestors,
                                           groups__name__in=["dispatcher", "service_manager"]).distinct()]


def warranty_settle(*, order: WorkOrder, actor: User, covered: bool, note: str = "") -> FieldJob:
    if not actor.has_perm("field.approve_field") or not can_see_unit(actor, order.site_id):
        raise PermissionDeniedError()
    with transaction.atomic():
        job = field_job_ensure(order)
        if job.warranty != FieldJob.Warranty.ASSESSMENT:
            raise DomainError(ErrorCode.CONFLICT, _("No warranty assessment is waiting on this order."), status=409)
        job.warranty = FieldJob.Warranty.COVERED if covered else FieldJob.Warranty.NOT_COVERED
        job.warranty_approved_by = actor
        job.warranty_note = (job.warranty_note + " / " + note.strip())[:300] if note.strip() else job.warranty_note
        job.save(update_fields=["warranty", "warranty_approved_by", "warranty_note", "updated_at"])
        wo.workorder_record_step(order=order, type=E.WARRANTY_DECIDED, actor=actor,
                                 reason=job.get_warranty_display(), body=note.strip(),
                                 data={"decision": job.warranty, "assessment": True})
        audit_record(actor=actor, action="approve", object_type="field.fieldjob", object_id=order.public_id,
                     summary=f"{order.number} warranty {job.warranty}")
    return job


def payment_record(*, order: WorkOrder, actor: User, method: str, amount=None) -> FieldJob:
    """C9: how the customer paid; the amount as typed (checked here), none for warranty / free."""
    require_field(order)
    require_own(order, actor)
    if method not in (FieldJob.Payment.DESK, FieldJob.Payment.ON_SITE, FieldJob.Payment.WARRANTY):
        raise invalid(_("Choose how the customer paid."), "method")
    if method == FieldJob.Payment.WARRANTY:
        amount = Decimal("0")
    elif amount in (None, ""):
        raise invalid(_("Enter the amount paid (more than 0)."), "amount")
    else:
        amount = positive_amount(amount, "amount", Decimal("99999999"))
    with transaction.atomic():
        job = field_job_ensure(order)
        if job.completed_at is None:
            raise DomainError(ErrorCode.CONFLICT, _("Record the payment after the customer's acceptance."),
                              status=409)
        job.payment_method, job.payment_amount, job.paid_at = method, amount, timezone.now()
        job.save(update_fields=["payment_method", "payment_amount", "paid_at", "updated_at"])
        wo.workorder_record_step(order=order, type=E.PAYMENT_RECORDED, actor=actor,
                                 reason=job.get_payment_method_display(), data={"amount": str(amount)})
        audit_record(actor=actor, action="update", object_type="field.payment", object_id=order.public_id,
                     summary=f"{order.number} {method} {amount}")
    return job

