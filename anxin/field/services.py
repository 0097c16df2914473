"""Field service steps (C1–C6, C9): appointments, dispatch with its rules, delays, the technician's visit,
inspection, warranty, acceptance and payment. The only writer of the field models except quotes
(`quote_services.py`) and stock (`stock_services.py`). Every step writes one timeline event.
"""

import base64
import binascii
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from anxin.accounts.models import User
from anxin.accounts.scope import can_see_unit
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.field import geo
from anxin.field.models import (
    Appointment,
    Assignment,
    Delay,
    FieldJob,
    Inspection,
    JobType,
    OnDuty,
    Signature,
    StepToken,
    TechnicianProfile,
    Visit,
)
from anxin.notifications import services as notifications
from anxin.workorders import attachments, notices
from anxin.workorders import services as wo
from anxin.workorders.models import WorkOrder, WorkOrderEvent
from anxin.workorders.states import Family, Status, types_of

E = WorkOrderEvent.Type


class FieldErrorCode:
    INVALID = ErrorCode.INVALID
    CONFLICT = ErrorCode.CONFLICT
    RULES = "rules_conflict"  # ends with "conflict" → 409


def _invalid(message, field: str = "") -> DomainError:
    return DomainError(ErrorCode.INVALID, message, {"field": field} if field else {})


def _require_field(order: WorkOrder) -> None:
    if order.family != Family.FIELD:
        raise _invalid(_("This order is not a field job."), "order")


def _require_desk(actor: User) -> None:
    if not actor.has_perm("workorders.change_workorder") or not actor.has_perm("workorders.view_team_orders"):
        raise PermissionDeniedError()


def _require_own(order: WorkOrder, actor: User) -> None:
    """A technician works only on orders given to him; the desk (team view) may record steps for him."""
    if not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    if actor.has_perm("workorders.view_team_orders"):
        return
    owner_id = WorkOrder.objects.filter(pk=order.pk).values_list("owner_id", flat=True).first()  # not a stale copy
    if owner_id != actor.id:
        raise PermissionDeniedError(_("This order is not assigned to you."))


def field_job_ensure(order: WorkOrder) -> FieldJob:
    """The order's field record, created on first use (a job type from the category when one is set)."""
    _require_field(order)
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


def positive_amount(value, field: str, limit: Decimal) -> Decimal:
    """A quantity or price typed by a person: a number above 0, at most `limit`, at most two decimals."""
    try:
        number = Decimal(str(value))
    except ArithmeticError as exc:
        raise _invalid(_("Enter a number."), field) from exc
    if not number.is_finite() or number <= 0:
        raise _invalid(_("Must be more than 0."), field)
    if number > limit or number != number.quantize(Decimal("0.01")):
        raise _invalid(_("Too large or more than two decimals."), field)
    return number


def _once(order: WorkOrder, token: str) -> bool:
    """True the first time a phone step's token is seen. A step resent after a lost connection is a no-op."""
    if not token:
        return True
    try:
        with transaction.atomic():
            StepToken.objects.create(token=token[:64], work_order=order)
    except IntegrityError:
        return False
    return True


# --- job details ------------------------------------------------------------------------------------

def job_details_set(*, order: WorkOrder, actor: User, job_type: JobType | None, is_recall: bool = False,
                    rework_of: WorkOrder | None = None, pre_authorised: str = "") -> FieldJob:
    """The desk sets what the job is (trade, level, standard time via the job type) and its priority class."""
    _require_desk(actor)
    if rework_of is not None and (rework_of.pk == order.pk or rework_of.customer_id != order.customer_id):
        raise _invalid(_("Rework refers to an earlier order of the same customer."), "rework_of")
    with transaction.atomic():
        job = field_job_ensure(order)
        job.job_type, job.is_recall, job.rework_of = job_type, is_recall, rework_of
        job.pre_authorised = pre_authorised[:500]
        job.save()
        audit_record(actor=actor, action="update", object_type="field.fieldjob", object_id=order.public_id,
                     summary=f"{order.number} {job_type or '-'}")
    return job


def pre_authorised_set(*, order: WorkOrder, actor: User, text: str) -> FieldJob:
    """C7: what the customer allows the technician to do without asking again (written on the quote)."""
    _require_own(order, actor)
    with transaction.atomic():
        job = field_job_ensure(order)
        job.pre_authorised = text.strip()[:500]
        job.save(update_fields=["pre_authorised", "updated_at"])
        wo.workorder_record_step(order=order, type=E.QUOTE_CHANGED, actor=actor,
                                 reason=_("May do without asking again"), body=job.pre_authorised)
    return job


# --- C1 appointments --------------------------------------------------------------------------------

def appointment_set(*, order: WorkOrder, actor: User, window_from: datetime, window_to: datetime, agreed_with: str,
                    reason: str = "") -> Appointment:
    """Write the window agreed with the customer; a change keeps the old one and needs a reason."""
    _require_field(order)
    _require_desk(actor)
    if window_to <= window_from:
        raise _invalid(_("The window must end after it starts."), "window_to")
    if window_to < timezone.now():
        raise _invalid(_("The window is already over."), "window_to")
    if not agreed_with.strip():
        raise _invalid(_("Say who agreed to the time."), "agreed_with")
    with transaction.atomic():
        locked = wo.workorder_lock(order)
        if locked.status in (Status.RESOLVED, Status.CLOSED, Status.CANCELLED):
            raise DomainError(ErrorCode.CONFLICT, _("This order is finished; no visit can be booked."), status=409)
        current = Appointment.objects.filter(work_order=locked, is_current=True).first()
        if current and not reason.strip():
            raise _invalid(_("Give the reason for moving the appointment."), "reason")
        if current:
            current.is_current = False
            current.save(update_fields=["is_current"])
        appt = Appointment.objects.create(work_order=locked, window_from=window_from, window_to=window_to,
                                          agreed_with=agreed_with.strip()[:50], reason=reason.strip()[:200],
                                          created_by=actor)
        field_job_ensure(locked)
        wo.workorder_record_step(
            order=locked, type=E.APPOINTMENT_SET, actor=actor, reason=reason.strip(), is_public=True,
            body=_("Visit agreed for %(from)s – %(to)s") % {"from": _local(window_from), "to": _local(window_to)},
            data={"from": window_from.isoformat(), "to": window_to.isoformat(), "agreed_with": appt.agreed_with,
                  "previous": current.window_from.isoformat() if current else None})
        if locked.status == Status.NEW:
            locked = wo.workorder_transition(order=locked, to=Status.ACCEPTED, actor=actor, already_locked=True)
        if locked.status == Status.ACCEPTED:
            wo.workorder_transition(order=locked, to=Status.SCHEDULED, actor=actor, reason=_("Appointment agreed"), already_locked=True)
        active = Assignment.objects.filter(work_order=locked, cancelled_at__isnull=True).select_related(
            "technician").first()
        if active and not (window_from <= active.planned_start <= window_to):
            # the planned visit no longer fits what the customer agreed: back to the board for a new dispatch
            active.cancelled_at, active.cancel_reason = timezone.now(), _("Appointment moved")
            active.save(update_fields=["cancelled_at", "cancel_reason"])
            if locked.status == Status.DISPATCHED:
                wo.workorder_transition(order=locked, to=Status.SCHEDULED, actor=actor, reason=_("Appointment moved"), already_locked=True)
            notifications.notify(recipients=[active.technician], kind="appointment_moved",
                                 url=f"/field/my/{locked.public_id}/",
                                 subject=_("%(number)s moved to %(from)s; it is off your plan for now")
                                 % {"number": locked.number, "from": _local(window_from)},
                                 dedupe_key=f"appointment_moved:{appt.pk}")
    return appt


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- C2 dispatch: the rules ---------------------------------------------------------------------------

@dataclass
class Check:
    problems: list[str]  # hard rules broken, in the user's language
    notes: list[str]  # soft: over capacity, no coordinates
    end: datetime
    travel_minutes: int


def _place(order: WorkOrder) -> tuple | None:
    customer = order.customer
    if customer is None or customer.lat is None or customer.lng is None:
        return None
    return (customer.lat, customer.lng)


def _base(profile: TechnicianProfile) -> tuple | None:
    return None if profile.base_lat is None or profile.base_lng is None else (profile.base_lat, profile.base_lng)


def on_duty(technician: User, day: date) -> bool:
    return OnDuty.objects.filter(technician=technician, day=day).exists()


def assignment_check(*, order: WorkOrder, technician: User, start: datetime) -> Check:
    """C2's hard rules for putting this order at `start` on this technician's day: skill and level, shift
    (unless on the duty roster), the appointment window, and no overlap including travel."""
    job = field_job_ensure(order)
    problems, notes = [], []
    profile = TechnicianProfile.objects.filter(user=technician, is_active=True).prefetch_related("skills").first()
    if profile is None:
        raise _invalid(_("%(name)s has no technician profile.") % {"name": technician}, "technician")
    if job.job_type is None:
        raise _invalid(_("Set the job type first: it decides the trade, level and standard time."), "job_type")
    duration = job.job_type.standard_minutes
    end = start + timedelta(minutes=duration)
    level = next((s.level for s in profile.skills.all() if s.trade == job.job_type.trade), 0)
    if level < job.job_type.min_level:
        problems.append(_("%(name)s has %(trade)s level %(level)d; this job needs level %(need)d.")
                        % {"name": technician, "trade": job.job_type.get_trade_display(), "level": level,
                           "need": job.job_type.min_level})
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    day = local_start.date()
    if not on_duty(technician, day) and (local_start.time() < profile.shift_start
                                          or local_end.time() > profile.shift_end or local_end.date() != day):
        problems.append(_("Outside %(name)s's shift (%(from)s–%(to)s).")
                        % {"name": technician, "from": profile.shift_start.strftime("%H:%M"),
                           "to": profile.shift_end.strftime("%H:%M")})
    appt = Appointment.objects.filter(work_order=order, is_current=True).first()
    if appt and not (appt.window_from <= start <= appt.window_to):
        problems.append(_("Outside the window agreed with the customer (%(from)s – %(to)s).")
                        % {"from": _local(appt.window_from), "to": _local(appt.window_to)})
    others = list(Assignment.objects.filter(technician=technician, day=day, cancelled_at__isnull=True)
                  .exclude(work_order=order).select_related("work_order__customer").order_by("planned_start"))
    before = [a for a in others if a.planned_start <= start]
    after = [a for a in others if a.planned_start > start]
    here = _place(order)
    prev_place = _place(before[-1].work_order) if before else _base(profile)
    travel = geo.travel_minutes(prev_place, here)
    if before and before[-1].planned_end + timedelta(minutes=travel) > start:
        problems.append(_("Overlaps %(number)s (with %(min)d minutes' travel).")
                        % {"number": before[-1].work_order.number, "min": travel})
    if after and end + timedelta(minutes=geo.travel_minutes(here, _place(after[0].work_order))) > after[0].planned_start:
        problems.append(_("Overlaps %(number)s (with travel).") % {"number": after[0].work_order.number})
    used = sum((a.planned_end - a.planned_start).total_seconds() // 60 for a in others) + duration
    if used > profile.capacity_minutes:
        notes.append(_("%(name)s would have %(used)d of %(cap)d minutes planned.")
                     % {"name": technician, "used": used, "cap": profile.capacity_minutes})
    if here is None:
        notes.append(_("The customer's address has no map position; travel is estimated."))
    return Check(problems, notes, end, travel)


def dispatch(*, order: WorkOrder, technician: User, start: datetime, actor: User, override_reason: str = "",
             source: str = Assignment.Source.MANUAL) -> Assignment:
    """Give the order to a technician for a planned time and write it in the daily register.

    A broken hard rule stops the dispatch unless the dispatcher gives a reason to override; the
    register keeps the broken rules with that reason.
    """
    _require_field(order)
    if not actor.has_perm("workorders.assign_workorder") or not can_see_unit(actor, order.site_id):
        raise PermissionDeniedError()
    if not can_see_unit(technician, order.site_id):
        raise _invalid(_("This technician does not work for this site."), "technician")
    with transaction.atomic():
        locked = wo.workorder_lock(order)
        if locked.status not in (Status.ACCEPTED, Status.SCHEDULED, Status.DISPATCHED, Status.NEW):
            raise DomainError(ErrorCode.CONFLICT, _("An order in state “%(status)s” cannot be dispatched.")
                              % {"status": locked.get_status_display()}, status=409)
        check = assignment_check(order=locked, technician=technician, start=start)
        if check.problems and not override_reason.strip():
            raise DomainError(FieldErrorCode.RULES, " ".join(check.problems),
                              {"problems": check.problems, "field": "override_reason"}, status=409)
        now = timezone.now()
        previous = Assignment.objects.filter(work_order=locked, cancelled_at__isnull=True).first()
        if previous:
            previous.cancelled_at, previous.cancel_reason = now, _("Dispatched again")
            previous.save(update_fields=["cancelled_at", "cancel_reason"])
        assignment = Assignment.objects.create(
            work_order=locked, technician=technician, day=timezone.localtime(start).date(), planned_start=start,
            planned_end=check.end, travel_minutes=check.travel_minutes, source=source,
            warnings=check.problems + check.notes, override_reason=override_reason.strip()[:200] if check.problems
            else "", dispatched_by=actor)
        if locked.status == Status.NEW:
            locked = wo.workorder_transition(order=locked, to=Status.ACCEPTED, actor=actor, already_locked=True)
        locked = wo.workorder_assign(order=locked, owner=technician, actor=actor, reason=_("Dispatched"), already_locked=True)
        if locked.status != Status.DISPATCHED:
            locked = wo.workorder_transition(order=locked, to=Status.DISPATCHED, actor=actor, already_locked=True)
        wo.workorder_record_step(
            order=locked, type=E.DISPATCHED, actor=actor, reason=assignment.override_reason,
            data={"technician": str(technician), "planned": f"{_local(start)}–{_local(check.end)[-5:]}",
                  "start": start.isoformat(), "end": check.end.isoformat(),
                  "travel_minutes": check.travel_minutes, "warnings": assignment.warnings, "source": source})
        audit_record(actor=actor, action="update", object_type="field.assignment", object_id=locked.public_id,
                     summary=f"{locked.number} → {technician} {_local(start)}"
                     + (f" override: {assignment.override_reason}" if assignment.override_reason else ""))
    return assignment


# --- C3 delays ----------------------------------------------------------------------------------------

def delay_record(*, order: WorkOrder, actor: User, reason: str, note: str = "", new_promise: datetime | None = None,
                 consent_by: str = "", token: str = "") -> Delay | None:
    """Why the job is late. A new promised time is only taken with the customer's recorded consent."""
    _require_field(order)
    _require_own(order, actor)
    if reason not in Delay.Reason.values:
        raise _invalid(_("Choose a reason for the delay."), "reason")
    if new_promise is not None and not consent_by.strip():
        raise _invalid(_("A new promised time needs the customer's consent: say who agreed."), "consent_by")
    if new_promise is not None and new_promise <= timezone.now():
        raise _invalid(_("The new promised time must be in the future."), "new_promise")
    with transaction.atomic():
        if not _once(order, token):
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
                     % {"time": _local(delay.new_promise), "name": delay.consent_by,
                        "reason": delay.get_reason_display()})[:200])


# --- C4 the visit ---------------------------------------------------------------------------------------

def _open_visit(order: WorkOrder, actor: User) -> Visit:
    visit = Visit.objects.filter(work_order=order, technician=actor, arrived_at__isnull=True,
                                 nobody_home_at__isnull=True).last()
    return visit or Visit.objects.create(work_order=order, technician=actor)


def travel_start(*, order: WorkOrder, actor: User, token: str = "") -> Visit | None:
    _require_field(order)
    _require_own(order, actor)
    with transaction.atomic():
        if not _once(order, token):
            return None
        if wo.workorder_lock(order).status != Status.DISPATCHED:
            raise DomainError(ErrorCode.CONFLICT, _("Only a dispatched job can be started."), status=409)
        visit = _open_visit(order, actor)
        visit.travel_started_at = timezone.now()
        visit.save(update_fields=["travel_started_at"])
        wo.workorder_record_step(order=order, type=E.TRAVEL_STARTED, actor=actor, is_public=True,
                                 body=_("The technician is on the way."))
        notices.customer_on_the_way(order, actor, visit.pk)
    return visit


def arrive(*, order: WorkOrder, actor: User, token: str = "") -> Visit | None:
    _require_field(order)
    _require_own(order, actor)
    with transaction.atomic():
        if not _once(order, token):
            return None
        locked = wo.workorder_lock(order)
        if locked.status != Status.DISPATCHED:
            raise DomainError(ErrorCode.CONFLICT, _("Only a dispatched job can be arrived at."), status=409)
        visit = _open_visit(locked, actor)
        visit.arrived_at = timezone.now()
        visit.save(update_fields=["arrived_at"])
        job = field_job_ensure(locked)
        job.started_at = job.started_at or visit.arrived_at
        job.save(update_fields=["started_at", "updated_at"])
        wo.workorder_record_step(order=locked, type=E.ARRIVED, actor=actor, is_public=True,
                                 body=_("The technician has arrived."))
        wo.workorder_transition(order=locked, to=Status.IN_PROGRESS, actor=actor, reason=_("Arrived on site"), already_locked=True)
    return visit


def nobody_home(*, order: WorkOrder, actor: User, waited_minutes: int, note_left: str, token: str = "") -> Visit | None:
    """C4: nobody opened. The wait and the note are kept, the appointment and dispatch lapse and the order
    goes back to the desk (and the dispatcher) for a new appointment."""
    _require_field(order)
    _require_own(order, actor)
    if waited_minutes is None or waited_minutes < 0 or waited_minutes > 600:
        raise _invalid(_("Enter how many minutes you waited (0–600)."), "waited_minutes")
    with transaction.atomic():
        if not _once(order, token):
            return None
        locked = wo.workorder_lock(order)
        if locked.status != Status.DISPATCHED:
            raise DomainError(ErrorCode.CONFLICT, _("Only a dispatched job can be marked “nobody home”."), status=409)
        visit = _open_visit(locked, actor)
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
        wo.workorder_transition(order=locked, to=Status.SCHEDULED, actor=actor, reason=_("Nobody home"), already_locked=True)
        desk = [u for u in [locked.taken_by] if u and u.is_active]
        desk += list(User.objects.filter(is_active=True, groups__name="dispatcher", org_unit_id=locked.site_id))
        notifications.notify(recipients=desk, kind="nobody_home", url=f"/field/orders/{locked.public_id}/",
                             subject=_("Nobody home at %(number)s: agree a new appointment") % {"number": locked.number},
                             body=visit.note_left, dedupe_key=f"nobody_home:{visit.pk}")
    return visit


# --- signatures ---------------------------------------------------------------------------------------

def _signature_png(data_url: str) -> bytes:
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise _invalid(_("The customer has not signed."), "signature")
    try:
        raw = base64.b64decode(data_url[len(prefix):], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _invalid(_("The signature could not be read; ask the customer to sign again."), "signature") from exc
    if len(raw) > settings.SIGNATURE_MAX_BYTES or not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise _invalid(_("The signature could not be read; ask the customer to sign again."), "signature")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.width * image.height > 4_000_000:
                raise _invalid(_("The signature could not be read; ask the customer to sign again."), "signature")
            image.load()
            ink = image.getchannel("A").getbbox() if "A" in image.getbands() else \
                Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    except DomainError:
        raise
    except Exception as exc:  # any decoder failure is a bad signature, not a crash
        raise _invalid(_("The signature could not be read; ask the customer to sign again."), "signature") from exc
    if ink is None:
        raise _invalid(_("The customer has not signed."), "signature")
    return raw


def signature_take(*, order: WorkOrder, actor: User, purpose: str, signer_name: str, data_url: str,
                   content: str) -> Signature:
    """Store a drawn signature with a SHA-256 binding the image, the signed text, the signer and the time."""
    if not signer_name.strip():
        raise _invalid(_("Enter the name of the person signing."), "signer_name")
    raw = _signature_png(data_url)
    signed_at = timezone.now()
    digest = hashlib.sha256(raw + b"\n" + content.encode() + b"\n" + signer_name.strip().encode() + b"\n"
                            + signed_at.isoformat().encode()).hexdigest()
    return Signature.objects.create(work_order=order, purpose=purpose, signer_name=signer_name.strip()[:50],
                                    image=raw, content=content[:5000], sha256=digest, signed_at=signed_at,
                                    collected_by=actor)


def signature_verify(signature: Signature) -> bool:
    digest = hashlib.sha256(bytes(signature.image) + b"\n" + signature.content.encode() + b"\n"
                            + signature.signer_name.encode() + b"\n" + signature.signed_at.isoformat().encode())
    return digest.hexdigest() == signature.sha256


# --- C5 diagnosis and inspection ----------------------------------------------------------------------

def inspection_record(*, order: WorkOrder, actor: User, items: list[dict], diagnosis: str = "", photo=None,
                      signer_name: str = "", signature: str = "", token: str = "") -> Inspection | None:
    """外观检查报告: OK/NG per point (an NG point needs its problem noted), optional photo, customer's signature."""
    _require_field(order)
    _require_own(order, actor)
    clean = []
    for item in items:
        point = str(item.get("point", "")).strip()[:40]
        if not point:
            continue
        ok, note = bool(item.get("ok")), str(item.get("note", "")).strip()[:200]
        if not ok and not note:
            raise _invalid(_("Describe the problem at “%(point)s”.") % {"point": point}, "items")
        clean.append({"point": point, "ok": ok, "note": note})
    if not clean:
        raise _invalid(_("Check at least one point."), "items")
    content = "; ".join(f"{i['point']}: {'OK' if i['ok'] else 'NG ' + i['note']}" for i in clean)
    with transaction.atomic():
        if not _once(order, token):
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


# --- C6 warranty --------------------------------------------------------------------------------------

def warranty_decide(*, order: WorkOrder, actor: User, decision: str, note: str = "") -> FieldJob:
    """Covered / not covered, or "needs assessment", which a supervisor settles with `warranty_settle`."""
    _require_field(order)
    _require_own(order, actor)
    if decision not in (FieldJob.Warranty.COVERED, FieldJob.Warranty.NOT_COVERED, FieldJob.Warranty.ASSESSMENT):
        raise _invalid(_("Choose a warranty decision."), "decision")
    if decision == FieldJob.Warranty.ASSESSMENT and not note.strip():
        raise _invalid(_("Say why an assessment is needed."), "note")
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


# --- C9 acceptance and payment ------------------------------------------------------------------------

def completion_accept(*, order: WorkOrder, actor: User, signer_name: str, signature: str, token: str = ""
                      ) -> FieldJob | None:
    """The customer accepts the finished work by signing; the order is resolved and the archive gains the job."""
    from anxin.field.models import Quote, Requisition

    _require_field(order)
    _require_own(order, actor)
    with transaction.atomic():
        if not _once(order, token):
            return None
        locked = wo.workorder_lock(order)
        if locked.status not in (Status.IN_PROGRESS, Status.WAITING_PARTS):
            raise DomainError(ErrorCode.CONFLICT, _("Only a job in progress can be handed over."), status=409)
        quote = Quote.objects.filter(work_order=locked).exclude(status=Quote.Status.SUPERSEDED).first()
        if quote and quote.status not in (Quote.Status.APPROVED, Quote.Status.DECLINED):
            raise DomainError(ErrorCode.CONFLICT, _("The quote still waits for the customer's decision."), status=409)
        if Requisition.objects.filter(work_order=locked, status=Requisition.Status.REQUESTED).exists():
            raise DomainError(ErrorCode.CONFLICT, _("A material requisition has not been issued yet."), status=409)
        job = field_job_ensure(locked)
        content = _("Work on %(number)s finished and accepted.") % {"number": locked.number}
        job.acceptance = signature_take(order=locked, actor=actor, purpose=Signature.Purpose.ACCEPTANCE,
                                        signer_name=signer_name, data_url=signature, content=content)
        job.completed_at = timezone.now()
        job.save(update_fields=["acceptance", "completed_at", "updated_at"])
        wo.workorder_record_step(order=locked, type=E.ACCEPTED_BY_CUSTOMER, actor=actor, is_public=True,
                                 body=content, data={"signed_by": job.acceptance.signer_name})
        wo.workorder_transition(order=locked, to=Status.RESOLVED, actor=actor, reason=_("Accepted by the customer"), already_locked=True)
    return job


def payment_record(*, order: WorkOrder, actor: User, method: str, amount=None) -> FieldJob:
    """C9: how the customer paid; the amount as typed (checked here), none for warranty / free."""
    _require_field(order)
    _require_own(order, actor)
    if method not in (FieldJob.Payment.DESK, FieldJob.Payment.ON_SITE, FieldJob.Payment.WARRANTY):
        raise _invalid(_("Choose how the customer paid."), "method")
    if method == FieldJob.Payment.WARRANTY:
        amount = Decimal("0")
    elif amount in (None, ""):
        raise _invalid(_("Enter the amount paid (more than 0)."), "amount")
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


# --- technicians and roster (admin also edits these) -----------------------------------------------------

def technician_profile_set(*, user: User, trade: str, skills: dict[str, int], shift_start="08:30",
                           shift_end="17:30", capacity_minutes: int = 420, base: tuple | None = None
                           ) -> TechnicianProfile:
    from anxin.field.models import Skill

    for level in skills.values():
        if level not in (1, 2, 3):
            raise _invalid(_("Skill levels are 1, 2 or 3."), "skills")
    with transaction.atomic():
        profile, _created = TechnicianProfile.objects.update_or_create(
            user=user, defaults={"trade": trade, "shift_start": shift_start, "shift_end": shift_end,
                                 "capacity_minutes": capacity_minutes,
                                 "base_lat": base[0] if base else None, "base_lng": base[1] if base else None})
        profile.skills.all().delete()
        Skill.objects.bulk_create([Skill(technician=profile, trade=t, level=lv) for t, lv in
                                   ({trade: skills.get(trade, 1)} | skills).items()])
    return profile


def on_duty_set(*, technician: User, day: date, kind: str) -> OnDuty:
    duty, _created = OnDuty.objects.get_or_create(technician=technician, day=day, kind=kind)
    return duty
