"""C2 appointments (预约) and C5 delays with a new promise agreed with the customer."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.core.errors import DomainError, ErrorCode
from anxin.field.models import (
    Appointment,
    Assignment,
    Delay,
)
from anxin.field.services.errors import invalid
from anxin.field.services.guards import once, require_desk, require_field, require_own
from anxin.field.services.jobs import field_job_ensure
from anxin.notifications import services as notifications
from anxin.workorders import services as wo
from anxin.workorders.models import WorkOrder, WorkOrderEvent
from anxin.workorders.states import Status

E = WorkOrderEvent.Type


def appointment_set(*, order: WorkOrder, actor: User, window_from: datetime, window_to: datetime, agreed_with: str,
                    reason: str = "") -> Appointment:
    """Write the window agreed with the customer; a change keeps the old one and needs a reason."""
    require_field(order)
    require_desk(actor)
    if window_to <= window_from:
        raise invalid(_("The window must end after it starts."), "window_to")
    if window_to < timezone.now():
        raise invalid(_("The window is already over."), "window_to")
    if not agreed_with.strip():
        raise invalid(_("Say who agreed to the time."), "agreed_with")
    with transaction.atomic():
        locked = wo.workorder_lock(order)
        if locked.status in (Status.RESOLVED, Status.CLOSED, Status.CANCELLED):
            raise DomainError(ErrorCode.CONFLICT, _("This order is finished; no visit can be booked."), status=409)
        current = Appointment.objects.filter(work_order=locked, is_current=True).first()
        if current and not reason.strip():
            raise invalid(_("Give the reason for moving the appointment."), "reason")
        if current:
            current.is_current = False
            current.save(update_fields=["is_current"])
        appt = Appointment.objects.create(work_order=locked, window_from=window_from, window_to=window_to,
                                          agreed_with=agreed_with.strip()[:50], reason=reason.strip()[:200],
                                          created_by=actor)
        field_job_ensure(locked)
        wo.workorder_record_step(
            order=locked, type=E.APPOINTMENT_SET, actor=actor, reason=reason.strip(), is_public=True,
            body=_("Visit agreed for %(from)s – %(to)s") % {"from": local_text(window_from), "to": local_text(window_to)},
            data={"from": window_from.isoformat(), "to": window_to.isoformat(), "agreed_with": appt.agreed_with,
                  "previous": current.window_from.isoformat() if current else None})
        if locked.status == Status.NEW:
            locked = wo.workorder_transition(order=locked, to=Status.ACCEPTED, actor=actor,
                                             already_locked=True)
        if locked.status == Status.ACCEPTED:
            wo.workorder_transition(order=locked, to=Status.SCHEDULED, actor=actor, reason=_("Appointment agreed"),
                                    already_locked=True)
        active = Assignment.objects.filter(work_order=locked, cancelled_at__isnull=True).select_related(
            "technician").first()
        if active and not (window_from <= active.planned_start <= window_to):
            # the planned visit no longer fits what the customer agreed: back to the board for a new dispatch
            active.cancelled_at, active.cancel_reason = timezone.now(), _("Appointment moved")
            active.save(update_fields=["cancelled_at", "cancel_reason"])
            if locked.status == Status.DISPATCHED:
                wo.workorder_transition(order=locked, to=Status.SCHEDULED, actor=actor, reason=_("Appointment moved"),
                                        already_locked=True)
            notifications.notify(recipients=[active.technician], kind="appointment_moved",
                                 url=f"/field/my/{locked.public_id}/",
                                 subject=_("%(number)s moved to %(from)s; it is off your plan for now")
                                 % {"number": locked.number, "from": local_text(window_from)},
                                 dedupe_key=f"appointment_moved:{appt.pk}")
    return appt


def local_text(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def delay_record(*, order: WorkOrder, actor: User, reason: str, note: str = "", new_promise: datetime | None = None,
                 consent_by: str = "", token: str = "") -> Delay | None:
    """Why the job is late. A new promised time is only taken with the customer's recorded consent."""
    require_field(order)
    require_own(order, actor)
    if reason not in Delay.Reason.values:
        raise invalid(_("Choose a reason for the delay."), "reason")
    if new_promise is not None and not consent_by.strip():
        raise invalid(_("A new promised time needs the customer's consent: say who agreed."), "consent_by")
    if new_promise is not None and new_promise <= timezone.now():
        raise invalid(_("The new promised time must be in the future."), "new_promise")
    with transaction.atomic():
        if not once(order, token):
            return None
        delay = Delay.objects.create(work_order=order, reason=reason, note=note.strip()[:300], new_promise=new_promise,
                                     consent_by=consent_by.strip()[:50], recorded_by=actor)
        if new_promise is not None:
            _move_completion_promise(order, actor, delay)
        wo.workorder_record_step(
            order=order, type=E.DELAY_RECORDED, actor=actor, reason=Delay.Reason(reason).label, body=delay.note,
            data={"reason": reason, "new_promise": new_promise.isoformat() if new_promise else None,
                  "consent_by": delay.consent_by})
    return delay


def _move_completion_promise(order: WorkOrder, actor: User, delay: Delay) -> None:
    """C3: the agreed new time becomes the order's completion promise (reminders, kept / missed); an earlier
    completion promise is closed as cancelled, with the delay as the reason."""
    from anxin.sla import commitment_services
    from anxin.sla.models import Commitment

    for old in Commitment.objects.filter(work_order=order, kind=Commitment.Kind.COMPLETION,
                                         outcome=Commitment.Outcome.OPEN):
        commitment_services.commitment_close(commitment=old, actor=actor, outcome=Commitment.Outcome.CANCELLED,
                                             note=_("Moved with the customer's consent"))
    owner = order.owner if order.owner_id and order.owner.is_active else actor
    commitment_services.commitment_make(
        order=order, actor=actor, kind=Commitment.Kind.COMPLETION, due_at=delay.new_promise, owner=owner,
        description=(_("Finish by %(time)s (agreed by %(name)s): %(reason)s")
                     % {"time": local_text(delay.new_promise), "name": delay.consent_by,
                        "reason": delay.get_reason_display()})[:200])

