"""A11 mass outages (大面积故障): many reports of one fault in one area become one incident.

Detection (`report_place`, run for every new order with a customer): an open incident of the order's category
whose area covers the customer's address takes the order as a report; otherwise, when the category's OutageRule
counts enough open reports in the area within its window, a suspected incident is raised with all of them and
the shift leads and dispatchers are told at once. The shift lead confirms it (cause, estimated time, owner) or
dismisses it; a lead may also declare one by hand from a known cause. Customers are told once per event —
confirmation, each new estimated time, restoration — by the notification outbox's unique key (incident, event,
customer), so a retry or a worker restart never sends twice. Restoration resolves every linked report with the
incident's resolution; the revisit sweep then schedules their revisits as for any resolved order.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import can_see_unit
from anxin.accounts.selectors import leads_for
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.notifications import services as notifications
from anxin.workorders import events, notices
from anxin.workorders.models import Category, Incident, OutageRule, WorkOrder
from anxin.workorders.services import workorder_lock, workorder_transition
from anxin.workorders.states import FIELD_TYPES, OPEN_STATUSES, Family, Status

LEAD_PERMISSION = "workorders.assign_workorder"  # the shift lead and the dispatchers


def _require_lead(actor: User, site_id: int) -> None:
    if not actor.has_perm(LEAD_PERMISSION) or not can_see_unit(actor, site_id):
        raise PermissionDeniedError(_("Only the shift lead or a dispatcher of the site decides on an incident."))


def _lock(incident: Incident, expected_version: int | None = None) -> Incident:
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if expected_version is not None and locked.version != expected_version:
        raise DomainError(ErrorCode.CONFLICT, _("Someone else changed this incident in the meantime. Reload the "
                                                "page and try again."), {"version": locked.version}, status=409)
    return locked


def _place(order: WorkOrder) -> tuple[str, str]:
    customer = order.customer
    return (customer.district, customer.street) if customer is not None else ("", "")


def incident_for_place(*, site_id: int, category_id: int | None, district: str, street: str) -> Incident | None:
    """The open incident of this category covering this address: a street's before its district's (the more
    precise one), then the older — so a report that two overlapping incidents cover links to exactly one."""
    if not district or category_id is None:
        return None
    candidates = Incident.objects.filter(
        Q(street=street) | Q(street=""), site_id=site_id, category_id=category_id, district=district,
        status__in=(Incident.Status.SUSPECTED, Incident.Status.CONFIRMED))
    return min(candidates, key=lambda i: (i.street == "", i.created_at), default=None)


def _link(order: WorkOrder, incident: Incident, actor: User | None) -> bool:
    """Link one open, unlinked report (True when it was linked now)."""
    updated = WorkOrder.objects.filter(pk=order.pk, incident__isnull=True, status__in=OPEN_STATUSES).update(
        incident=incident, updated_at=timezone.now())
    if updated:
        order.incident = incident
        events.linked_to_incident_event(order=order, actor=actor, incident_id=str(incident.public_id),
                                        area=incident.area)
    return bool(updated)


def report_place(*, order: WorkOrder, actor: User | None = None, now: datetime | None = None) -> Incident | None:
    """Call after a new order is saved (in its transaction). Returns the incident it now belongs to, if any."""
    district, street = _place(order)
    if not district or order.category_id is None or order.incident_id or order.family != Family.FIELD:
        return None  # a complaint or a question about the outage is its own matter, not a fault report
    # the category's rule row, locked: two reports arriving together cannot both raise an incident (PostgreSQL;
    # SQLite writes one at a time anyway)
    rule = OutageRule.objects.select_for_update().filter(category_id=order.category_id, is_active=True).first()
    incident = incident_for_place(site_id=order.site_id, category_id=order.category_id, district=district,
                                  street=street)
    if incident is not None:
        _link(order, incident, actor)
        if incident.status == Incident.Status.CONFIRMED:
            _tell(incident, [order], "confirmed")  # a late caller hears the news the others had
        return incident
    if rule is None:
        return None
    now = now or timezone.now()
    area = Q(customer__district=district)
    if rule.area_level == OutageRule.AreaLevel.STREET:
        area &= Q(customer__street=street)
    reports = list(WorkOrder.objects.filter(
        area, site_id=order.site_id, category_id=order.category_id, incident__isnull=True, type__in=FIELD_TYPES,
        status__in=OPEN_STATUSES, received_at__gte=now - timedelta(minutes=rule.window_minutes))
        .select_related("customer").order_by("received_at", "id"))
    if len(reports) < rule.threshold:
        return None
    incident = Incident.objects.create(
        site_id=order.site_id, category_id=order.category_id, district=district,
        street=street if rule.area_level == OutageRule.AreaLevel.STREET else "")
    for report in reports:
        _link(report, incident, actor)
    leads = leads_for(site_id=order.site_id)
    notifications.notify(
        recipients=leads, kind="incident_suspected", urgent=True, url=f"/orders/incidents/{incident.public_id}/",
        subject=_("Suspected mass outage: %(n)d reports of %(category)s in %(area)s within %(minutes)d minutes")
        % {"n": len(reports), "category": incident.category, "area": incident.area, "minutes": rule.window_minutes},
        dedupe_key=f"incident_suspected:{incident.pk}")
    audit_record(actor=actor, action="create", object_type="workorders.incident", object_id=incident.public_id,
                 summary=f"suspected {incident.area} ({len(reports)} reports)")
    return incident


def report_after_restore(*, order: WorkOrder, incident: Incident, actor: User) -> None:
    """A customer says the restored outage is not over for them: their new order is an ordinary one (dispatched on
    its own) and names the incident on its timeline."""
    if incident.status != Incident.Status.RESTORED:
        raise DomainError(ErrorCode.CONFLICT, _("This outage is not restored yet."), status=409)
    events.linked_to_incident_event(order=order, actor=actor, incident_id=str(incident.public_id),
                                    area=_("Still out after the restoration of %(area)s") % {"area": incident.area})


def incident_declare(*, actor: User, site: OrgUnit, category: Category, district: str, street: str = "",
                     cause: str, eta: datetime | None = None) -> Incident:
    """A lead declares a confirmed incident from a known cause (planned works, a utility's notice); the open
    reports its area already has are linked to it."""
    _require_lead(actor, site.pk)
    district, street, cause = district.strip()[:20], street.strip()[:50], cause.strip()[:200]
    if not district:
        raise DomainError(ErrorCode.INVALID, _("Name the district the outage covers."), {"field": "district"})
    if not cause:
        raise DomainError(ErrorCode.INVALID, _("Say what the cause is."), {"field": "cause"})
    with transaction.atomic():
        incident = Incident.objects.create(site=site, category=category, district=district, street=street,
                                           cause=cause, eta=eta, raised_by=actor, owner=actor)
        area = Q(customer__district=district) & (Q(customer__street=street) if street else Q())
        for report in WorkOrder.objects.filter(area, site=site, category=category, incident__isnull=True,
                                               type__in=FIELD_TYPES, status__in=OPEN_STATUSES
                                               ).select_related("customer"):
            _link(report, incident, actor)
        return _confirm(incident, actor, cause=cause, eta=eta, owner=actor)


def incident_confirm(*, incident: Incident, actor: User, cause: str, eta: datetime | None, owner: User | None = None,
                     expected_version: int | None = None) -> Incident:
    """The lead confirms a suspected incident: cause, estimated restoration, one owner. Every linked customer is
    told once; the earliest report becomes the incident's one field order."""
    _require_lead(actor, incident.site_id)
    if not cause.strip():
        raise DomainError(ErrorCode.INVALID, _("Say what the cause is."), {"field": "cause"})
    if eta is not None and eta <= timezone.now():
        raise DomainError(ErrorCode.INVALID, _("The estimated restoration time must be in the future."),
                          {"field": "eta"})
    with transaction.atomic():
        locked = _lock(incident, expected_version)
        if locked.status != Incident.Status.SUSPECTED:
            raise DomainError(ErrorCode.CONFLICT, _("This incident was already decided."), status=409)
        return _confirm(locked, actor, cause=cause.strip()[:200], eta=eta, owner=owner or actor)


def _confirm(incident: Incident, actor: User, *, cause: str, eta, owner: User) -> Incident:
    incident.status, incident.cause, incident.eta, incident.owner = Incident.Status.CONFIRMED, cause, eta, owner
    incident.decided_by, incident.decided_at, incident.version = actor, timezone.now(), incident.version + 1
    incident.field_order = incident.reports.order_by("received_at", "id").first()
    incident.save()
    _tell(incident, list(incident.reports.select_related("customer")), "confirmed")
    audit_record(actor=actor, action="update", object_type="workorders.incident", object_id=incident.public_id,
                 summary=f"confirmed {incident.area}: {cause}")
    return incident


def incident_dismiss(*, incident: Incident, actor: User, reason: str, expected_version: int | None = None
                     ) -> Incident:
    """Not one fault after all: the reports go back to the queue as ordinary orders; the reason is kept."""
    _require_lead(actor, incident.site_id)
    if not reason.strip():
        raise DomainError(ErrorCode.INVALID, _("Say why this is not one outage."), {"field": "reason"})
    with transaction.atomic():
        locked = _lock(incident, expected_version)
        if locked.status != Incident.Status.SUSPECTED:
            raise DomainError(ErrorCode.CONFLICT, _("This incident was already decided."), status=409)
        locked.reports.update(incident=None, updated_at=timezone.now())
        locked.status, locked.dismiss_reason = Incident.Status.DISMISSED, reason.strip()[:200]
        locked.decided_by, locked.decided_at, locked.version = actor, timezone.now(), locked.version + 1
        locked.save()
        audit_record(actor=actor, action="update", object_type="workorders.incident", object_id=locked.public_id,
                     summary=f"dismissed {locked.area}: {locked.dismiss_reason}")
    return locked


def incident_eta_change(*, incident: Incident, actor: User, eta: datetime, expected_version: int | None = None
                        ) -> Incident:
    """A new estimated time: every linked customer is told once more, with the new time."""
    _require_lead(actor, incident.site_id)
    if eta is None or eta <= timezone.now():
        raise DomainError(ErrorCode.INVALID, _("The estimated restoration time must be in the future."),
                          {"field": "eta"})
    with transaction.atomic():
        locked = _lock(incident, expected_version)
        if locked.status != Incident.Status.CONFIRMED:
            raise DomainError(ErrorCode.CONFLICT, _("Only a confirmed, unrestored incident gets a new time."),
                              status=409)
        if locked.eta == eta:
            return locked
        locked.eta, locked.eta_changes, locked.version = eta, locked.eta_changes + 1, locked.version + 1
        locked.save(update_fields=["eta", "eta_changes", "version", "updated_at"])
        _tell(locked, list(locked.reports.select_related("customer")), f"eta{locked.eta_changes}")
    return locked


def incident_restore(*, incident: Incident, actor: User, resolution: str, expected_version: int | None = None
                     ) -> Incident:
    """Restored: every linked open report is resolved with the incident's resolution, each customer told once.
    Refused while a report has its own technician on site (finish or unlink that job first) and when the
    incident was already restored."""
    _require_lead(actor, incident.site_id)
    if not resolution.strip():
        raise DomainError(ErrorCode.INVALID, _("Say how the outage was resolved."), {"field": "resolution"})
    with transaction.atomic():
        locked = _lock(incident, expected_version)
        if locked.status == Incident.Status.RESTORED:
            raise DomainError(ErrorCode.CONFLICT, _("This incident was already restored."), status=409)
        if locked.status != Incident.Status.CONFIRMED:
            raise DomainError(ErrorCode.CONFLICT, _("Confirm the incident before restoring it."), status=409)
        reports = list(locked.reports.select_related("customer").filter(status__in=OPEN_STATUSES))
        busy = [r.number for r in reports if r.pk != locked.field_order_id and r.status == Status.IN_PROGRESS]
        if busy:
            raise DomainError(ErrorCode.CONFLICT, _("A technician is still working on %(numbers)s: finish that job "
                                                    "or unlink it first.") % {"numbers": ", ".join(busy)},
                              {"orders": busy}, status=409)
        locked.status, locked.resolution = Incident.Status.RESTORED, resolution.strip()[:500]
        locked.restored_at, locked.version = timezone.now(), locked.version + 1
        locked.save()
        text = _("Restored: %(resolution)s") % {"resolution": locked.resolution}
        for report in reports:
            workorder_transition(order=workorder_lock(report), to=Status.RESOLVED, actor=actor, reason=text,
                                 already_locked=True, tell_customer=False, by_incident=True)
        _tell(locked, reports, "restored")
        audit_record(actor=actor, action="update", object_type="workorders.incident", object_id=locked.public_id,
                     summary=f"restored {locked.area}: {len(reports)} reports resolved")
    return locked


def _tell(incident: Incident, reports: list[WorkOrder], event: str) -> int:
    """The event's message to each linked customer, once per customer (the outbox key names all three)."""
    told = 0
    for report in reports:
        if report.customer_id is None:
            continue
        notices_text = _message(incident, event)
        key = f"incident:{incident.pk}:{event}:c{report.customer_id}"
        told += notices.customer_incident(report, f"incident_{event.rstrip('0123456789')}", notices_text, key)
    return told


def _message(incident: Incident, event: str) -> str:
    eta = timezone.localtime(incident.eta).strftime("%m-%d %H:%M") if incident.eta else ""
    if event == "restored":
        return _("[Anxin] The outage in %(area)s has been fixed: %(resolution)s. If you still have no service, "
                 "call us back.") % {"area": incident.area, "resolution": incident.resolution}
    if eta:
        return _("[Anxin] %(area)s: %(cause)s. Repairs are under way; expected back by %(eta)s. We will tell you "
                 "when it is fixed.") % {"area": incident.area, "cause": incident.cause, "eta": eta}
    return _("[Anxin] %(area)s: %(cause)s. Repairs are under way; we will tell you when it is fixed.") % {
        "area": incident.area, "cause": incident.cause}
