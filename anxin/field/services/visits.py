"""C4 the technician's visit (上门): on the way, arrived, nobody home, inspection, the customer's acceptance."""


from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.core.errors import DomainError, ErrorCode
from anxin.field.models import (
    Appointment,
    Assignment,
    FieldJob,
    Inspection,
    Signature,
    Visit,
)
from anxin.field.services.errors import invalid
from anxin.field.services.guards import once, require_field, require_own
from anxin.field.services.jobs import field_job_ensure
from anxin.field.services.signatures import signature_take
from anxin.notifications import services as notifications
from anxin.workorders import attachments, notices
from anxin.workorders import services as wo
from anxin.workorders.models import WorkOrder, WorkOrderEvent
from anxin.workorders.states import Status

E = WorkOrderEvent.Type


def _open_visit(order: WorkOrder, actor: User) -> Visit:
    visit = Visit.objects.filter(work_order=order, technician=actor, arrived_at__isnull=True,
                                 nobody_home_at__isnull=True).last()
    return visit or Visit.objects.create(work_order=order, technician=actor)


def _dispatched_visit(order: WorkOrder, actor: User, token: str, refused) -> tuple[WorkOrder, Visit] | None:
    """The start of every step on the way to the customer (call inside the step's transaction): the order locked
    and still dispatched to this technician, and his open visit; None when the token says the step is done."""
    if not once(order, token):
        return None
    locked = wo.workorder_lock(order)
    if locked.status != Status.DISPATCHED:
        raise DomainError(ErrorCode.CONFLICT, refused, status=409)
    return locked, _open_visit(locked, actor)


def visit_travel_start(*, order: WorkOrder, actor: User, token: str = "") -> Visit | None:
    require_field(order)
    require_own(order, actor)
    with transaction.atomic():
        if (started := _dispatched_visit(order, actor, token, _("Only a dispatched job can be started."))) is None:
            return None
        order, visit = started
        visit.travel_started_at = timezone.now()
        visit.save(update_fields=["travel_started_at"])
        wo.workorder_record_step(order=order, type=E.TRAVEL_STARTED, actor=actor, is_public=True,
                                 body=_("The technician is on the way."))
        notices.customer_on_the_way(order, actor, visit.pk)
    return visit


def visit_arrive(*, order: WorkOrder, actor: User, token: str = "") -> Visit | None:
    require_field(order)
    require_own(order, actor)
    with transaction.atomic():
        if (started := _dispatched_visit(order, actor, token, _("Only a dispatched job can be arrived at."))) is None:
            return None
        locked, visit = started
        visit.arrived_at = timezone.now()
        visit.save(update_fields=["arrived_at"])
        job = field_job_ensure(locked)
        job.started_at = job.started_at or visit.arrived_at
        job.save(update_fields=["started_at", "updated_at"])
        wo.workorder_record_step(order=locked, type=E.ARRIVED, actor=actor, is_public=True,
                                 body=_("The technician has arrived."))
        wo.workorder_transition(order=locked, to=Status.IN_PROGRESS, actor=actor, reason=_("Arrived on site"),
                                already_locked=True)
    return visit


def visit_nobody_home(*, order: WorkOrder, actor: User, waited_minutes: int, note_left: str, token: str = "") -> Visit | None:
    """C4: nobody opened. The wait and the note are kept, the appointment and dispatch lapse and the order
    goes back to the desk (and the dispatcher) for a new appointment."""
    require_field(order)
    require_own(order, actor)
    if waited_minutes is None or waited_minutes < 0 or waited_minutes > 600:
        raise invalid(_("Enter how many minutes you waited (0–600)."), "waited_minutes")
    with transaction.atomic():
        refused = _("Only a dispatched job can be marked “nobody home”.")
        if (started := _dispatched_visit(order, actor, token, refused)) is None:
            return None
        locked, visit = started
        now = timezone.now()
        visit.nobody_home_at, visit.waited_minutes, visit.note_left = now, waited_minutes, note_left.strip()[:300]
        visit.save(update_fields=["nobody_home_at", "waited_minutes", "note_left"])
        Appointment.objects.filter(work_order=locked, is_current=True).update(is_current=False)
        Assignment.objects.filter(work_order=locked, cancelled_at__isnull=True).update(
            cancelled_at=now, cancel_reason=_("Nobody home"))
        wo.workorder_record_step(
            order=locked, type=E.NOBODY_HOME, actor=actor, body=visit.note_left, is_public=True,
            reason=_("Waited %(min)d minutes; a new appointment is needed.") % {"min": waited_minutes},
            data={"waited_minutes": waited_minutes})
        wo.workorder_transition(order=locked, to=Status.SCHEDULED, actor=actor, reason=_("Nobody home"),
                                already_locked=True)
        desk = [u for u in [locked.taken_by] if u and u.is_active]
        desk += list(User.objects.filter(is_active=True, groups__name="dispatcher", org_unit_id=locked.site_id))
        notifications.notify(recipients=desk, kind="nobody_home", url=f"/field/orders/{locked.public_id}/",
                             subject=_("Nobody home at %(number)s: agree a new appointment") % {"number": locked.number},
                             body=visit.note_left, dedupe_key=f"nobody_home:{visit.pk}")
    return visit


def inspection_record(*, order: WorkOrder, actor: User, items: list[dict], diagnosis: str = "", photo=None,
                      signer_name: str = "", signature: str = "", token: str = "") -> Inspection | None:
    """外观检查报告: OK/NG per point (an NG point needs its problem noted), optional photo, customer's signature."""
    require_field(order)
    require_own(order, actor)
    clean = []
    for item in items:
        point = str(item.get("point", "")).strip()[:40]
        if not point:
            continue
        ok, note = bool(item.get("ok")), str(item.get("note", "")).strip()[:200]
        if not ok and not note:
            raise invalid(_("Describe the problem at “%(point)s”.") % {"point": point}, "items")
        clean.append({"point": point, "ok": ok, "note": note})
    if not clean:
        raise invalid(_("Check at least one point."), "items")
    content = "; ".join(f"{i['point']}: {'OK' if i['ok'] else 'NG ' + i['note']}" for i in clean)
    with transaction.atomic():
        if not once(order, token):
            return None
        if wo.workorder_lock(order).status not in (Status.IN_PROGRESS, Status.WAITING_PARTS, Status.WAITING_CUSTOMER):
            raise DomainError(ErrorCode.CONFLICT, _("Record the inspection on site, after arriving."), status=409)
        signed = signature_take(order=order, actor=actor, purpose=Signature.Purpose.INSPECTION,
                                signer_name=signer_name, data_url=signature, content=content)
        stored = attachments.attachment_add(order=order, actor=actor, file=photo) if photo else None
        inspection = Inspection.objects.create(work_order=order, items=clean, photo=stored, signature=signed,
                                               created_by=actor)
        if diagnosis.strip():
            job = field_job_ensure(order)
            job.diagnosis = diagnosis.strip()[:2000]
            job.save(update_fields=["diagnosis", "updated_at"])
        wo.workorder_record_step(order=order, type=E.INSPECTED, actor=actor, body=content,
                                 data={"ng": sum(not i["ok"] for i in clean), "signed_by": signed.signer_name})
    return inspection


def acceptance_record(*, order: WorkOrder, actor: User, signer_name: str, signature: str, token: str = ""
                      ) -> FieldJob | None:
    """The customer accepts the finished work by signing; the order is resolved and the archive gains the job."""
    from anxin.field.models import MaterialRequisition, Quote

    require_field(order)
    require_own(order, actor)
    with transaction.atomic():
        if not once(order, token):
            return None
        locked = wo.workorder_lock(order)
        if locked.status not in (Status.IN_PROGRESS, Status.WAITING_PARTS):
            raise DomainError(ErrorCode.CONFLICT, _("Only a job in progress can be handed over."), status=409)
        quote = Quote.objects.filter(work_order=locked).exclude(status=Quote.Status.SUPERSEDED).first()
        if quote and quote.status not in (Quote.Status.APPROVED, Quote.Status.DECLINED):
            raise DomainError(ErrorCode.CONFLICT, _("The quote still waits for the customer's decision."), status=409)
        if MaterialRequisition.objects.filter(work_order=locked, status=MaterialRequisition.Status.REQUESTED).exists():
            raise DomainError(ErrorCode.CONFLICT, _("A material requisition has not been issued yet."), status=409)
        job = field_job_ensure(locked)
        content = _("Work on %(number)s finished and accepted.") % {"number": locked.number}
        job.acceptance = signature_take(order=locked, actor=actor, purpose=Signature.Purpose.ACCEPTANCE,
                                        signer_name=signer_name, data_url=signature, content=content)
        job.completed_at = timezone.now()
        job.save(update_fields=["acceptance", "completed_at", "updated_at"])
        wo.workorder_record_step(order=locked, type=E.ACCEPTED_BY_CUSTOMER, actor=actor, is_public=True,
                                 body=content, data={"signed_by": job.acceptance.signer_name})
        wo.workorder_transition(order=locked, to=Status.RESOLVED, actor=actor, reason=_("Accepted by the customer"),
                                already_locked=True)
    return job

