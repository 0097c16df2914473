"""Complaint intake and routing (D1–D3). The only writer of Complaint."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.audit.services import audit_record
from anxin.complaints.models import Complaint
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError, domain_error_from
from anxin.notifications import services as notifications
from anxin.workorders import services as wo_services
from anxin.workorders.models import Priority, WorkOrder
from anxin.workorders.states import Family

FIELDS = ("what_happened", "customer_wants", "category", "severity", "is_group", "media_threat", "about_order",
          "about_staff")


def complaint_register(*, order: WorkOrder, actor: User, data: dict) -> Complaint:
    """D1: record (or update) what the complaint is about. Group complaints and media/regulator threats are
    severe, and a severe complaint becomes urgent priority. D3: may raise a batch warning.
    """
    if order.family != Family.COMPLAINT:
        raise DomainError(ErrorCode.INVALID, _("This order is not a complaint."), {"field": "order"})
    if not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise DomainError(ErrorCode.INVALID, _("Unknown field."), {"field": sorted(unknown)[0]})
    complaint = Complaint.objects.filter(work_order=order).first() or Complaint(work_order=order)
    is_new = complaint.pk is None
    for key, value in data.items():
        setattr(complaint, key, value)
    if complaint.is_group or complaint.media_threat:
        complaint.severity = Complaint.Severity.SEVERE  # D1: never below severe
    try:
        complaint.full_clean(exclude=["work_order", "expected_resolution_on"])
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    with transaction.atomic():
        complaint.save()
        if complaint.severity == Complaint.Severity.SEVERE and order.priority < Priority.URGENT:
            wo_services.workorder_update(order=order, actor=actor, data={"priority": Priority.URGENT})
        audit_record(actor=actor, action="create" if is_new else "update", object_type="complaints.complaint",
                     object_id=order.public_id, summary=f"{order.number} {complaint.category} {complaint.severity}")
        if is_new:
            _batch_warning(complaint)
    return complaint


def _batch_warning(complaint: Complaint) -> None:
    """D3: N complaints of one category at one site within the window → the service managers hear once."""
    order = complaint.work_order
    since = timezone.now() - timedelta(hours=settings.COMPLAINT_BATCH_HOURS)
    similar = Complaint.objects.filter(category=complaint.category, work_order__site_id=order.site_id,
                                       created_at__gte=since).count()
    if similar < settings.COMPLAINT_BATCH_COUNT:
        return
    managers = list(User.objects.filter(is_active=True, groups__name="service_manager",
                                        org_unit_id__in=[int(x) for x in order.site.path.strip("/").split("/") if x]))
    bucket = timezone.now().strftime("%Y%m%d")  # at most one warning a day per site and category
    notifications.notify(
        recipients=managers, kind="complaint_batch", urgent=True, url=f"/orders/{order.public_id}/",
        subject=_("%(n)d complaints about “%(category)s” at %(site)s in %(hours)d hours")
        % {"n": similar, "category": complaint.get_category_display(), "site": order.site.name,
           "hours": settings.COMPLAINT_BATCH_HOURS},
        dedupe_key=f"complaint_batch:{order.site_id}:{complaint.category}:{bucket}")


def complaint_route(*, complaint: Complaint, actor: User, owner: User, expected_resolution_on: date) -> Complaint:
    """D2: give the complaint an owner and tell the customer the expected resolution date (a recorded reply)."""
    if expected_resolution_on < timezone.localdate():
        raise DomainError(ErrorCode.INVALID, _("The expected resolution date cannot be in the past."),
                          {"field": "expected_resolution_on"})
    order = complaint.work_order
    with transaction.atomic():
        wo_services.workorder_assign(order=order, owner=owner, actor=actor)
        complaint.expected_resolution_on = expected_resolution_on
        complaint.save(update_fields=["expected_resolution_on", "updated_at"])
        wo_services.workorder_add_note(
            order=order, actor=actor, is_public=True,
            body=_("We have received your complaint and %(owner)s is handling it. We expect to resolve it by "
                   "%(date)s and will keep you informed.") % {"owner": owner, "date": expected_resolution_on})
    return complaint
