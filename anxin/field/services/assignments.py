"""C3 dispatch (派工): the rules (skill, shift or duty roster, window, travel), the register, the technician's
profile and the duty roster."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.scope import can_see_unit
from anxin.accounts.selectors import is_on_duty
from anxin.audit.services import audit_record
from anxin.core.errors import DomainError, ErrorCode, PermissionDeniedError
from anxin.field import geo
from anxin.field.models import (
    Appointment,
    Assignment,
    TechnicianProfile,
)
from anxin.field.services.appointments import local_text
from anxin.field.services.errors import FieldErrorCode, invalid
from anxin.field.services.guards import require_field
from anxin.field.services.jobs import field_job_ensure
from anxin.workorders import services as wo
from anxin.workorders.models import WorkOrder, WorkOrderEvent
from anxin.workorders.states import Status

E = WorkOrderEvent.Type


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


def assignment_check(*, order: WorkOrder, technician: User, start: datetime) -> Check:
    """C2's hard rules for putting this order at `start` on this technician's day: skill and level, shift
    (unless on the duty roster), the appointment window, and no overlap including travel."""
    job = field_job_ensure(order)
    problems, notes = [], []
    profile = TechnicianProfile.objects.filter(user=technician, is_active=True).prefetch_related("skills").first()
    if profile is None:
        raise invalid(_("%(name)s has no technician profile.") % {"name": technician}, "technician")
    if job.job_type is None:
        raise invalid(_("Set the job type first: it decides the trade, level and standard time."), "job_type")
    duration = job.job_type.standard_minutes
    end = start + timedelta(minutes=duration)
    level = next((s.level for s in profile.skills.all() if s.trade == job.job_type.trade), 0)
    if level < job.job_type.min_level:
        problems.append(_("%(name)s has %(trade)s level %(level)d; this job needs level %(need)d.")
                        % {"name": technician, "trade": job.job_type.get_trade_display(), "level": level,
                           "need": job.job_type.min_level})
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    day = local_start.date()
    if not is_on_duty(technician=technician, day=day) and (local_start.time() < profile.shift_start
                                          or local_end.time() > profile.shift_end or local_end.date() != day):
        problems.append(_("Outside %(name)s's shift (%(from)s–%(to)s).")
                        % {"name": technician, "from": profile.shift_start.strftime("%H:%M"),
                           "to": profile.shift_end.strftime("%H:%M")})
    appt = Appointment.objects.filter(work_order=order, is_current=True).first()
    if appt and not (appt.window_from <= start <= appt.window_to):
        problems.append(_("Outside the window agreed with the customer (%(from)s – %(to)s).")
                        % {"from": local_text(appt.window_from), "to": local_text(appt.window_to)})
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


def assignment_create(*, order: WorkOrder, technician: User, start: datetime, actor: User, override_reason: str = "",
                      source: str = Assignment.Source.MANUAL) -> Assignment:
    """Give the order to a technician for a planned time and write it in the daily register.

    A broken hard rule stops the dispatch unless the dispatcher gives a reason to override; the
    register keeps the broken rules with that reason.
    """
    require_field(order)
    if not actor.has_perm("workorders.assign_workorder") or not can_see_unit(actor, order.site_id):
        raise PermissionDeniedError()
    if not can_see_unit(technician, order.site_id):
        raise invalid(_("This technician does not work for this site."), "technician")
    with transaction.atomic():
        locked = wo.workorder_lock(order)
        if locked.status not in (Status.ACCEPTED, Status.SCHEDULED, Status.DISPATCHED, Status.NEW):
            raise DomainError(ErrorCode.CONFLICT, _("An order in state “%(status)s” cannot be dispatched.")
                              % {"status": locked.get_status_display()}, status=409)
        if locked.incident_id and locked.incident.field_order_id != locked.pk:
            raise DomainError(ErrorCode.CONFLICT, _("This report belongs to the mass outage in %(area)s: dispatch "
                                                    "the incident's field order instead.")
                              % {"area": locked.incident.area}, {"field": "order"}, status=409)
        previous = Assignment.objects.filter(work_order=locked, cancelled_at__isnull=True).first()
        if previous and previous.technician_id == technician.pk and previous.planned_start == start:
            # the same dispatch sent again (a plan re-accepted after a lost answer or a crashed worker, a double
            # click): nothing changes, nobody is told twice (SECURITY-CASES 42)
            return previous
        check = assignment_check(order=locked, technician=technician, start=start)
        if check.problems and not override_reason.strip():
            raise DomainError(FieldErrorCode.RULES, " ".join(check.problems),
                              {"problems": check.problems, "field": "override_reason"}, status=409)
        now = timezone.now()
        if previous:
            previous.cancelled_at, previous.cancel_reason = now, _("Dispatched again")
            previous.save(update_fields=["cancelled_at", "cancel_reason"])
        assignment = Assignment.objects.create(
            work_order=locked, technician=technician, day=timezone.localtime(start).date(), planned_start=start,
            planned_end=check.end, travel_minutes=check.travel_minutes, source=source,
            warnings=check.problems + check.notes, override_reason=override_reason.strip()[:200] if check.problems
            else "", dispatched_by=actor)
        if locked.status == Status.NEW:
            locked = wo.workorder_transition(order=locked, to=Status.ACCEPTED, actor=actor,
                                             already_locked=True)
        locked = wo.workorder_assign(order=locked, owner=technician, actor=actor, reason=_("Dispatched"),
                                     already_locked=True)
        if locked.status != Status.DISPATCHED:
            locked = wo.workorder_transition(order=locked, to=Status.DISPATCHED, actor=actor,
                                             already_locked=True)
        wo.workorder_record_step(
            order=locked, type=E.DISPATCHED, actor=actor, reason=assignment.override_reason,
            data={"technician": str(technician), "planned": f"{local_text(start)}–{local_text(check.end)[-5:]}",
                  "start": start.isoformat(), "end": check.end.isoformat(),
                  "travel_minutes": check.travel_minutes, "warnings": assignment.warnings, "source": source})
        audit_record(actor=actor, action="update", object_type="field.assignment", object_id=locked.public_id,
                     summary=f"{locked.number} → {technician} {local_text(start)}"
                     + (f" override: {assignment.override_reason}" if assignment.override_reason else ""))
    return assignment


def technician_profile_set(*, user: User, trade: str, skills: dict[str, int], shift_start="08:30",
                           shift_end="17:30", capacity_minutes: int = 420, base: tuple | None = None
                           ) -> TechnicianProfile:
    from anxin.field.models import Skill

    for level in skills.values():
        if level not in (1, 2, 3):
            raise invalid(_("Skill levels are 1, 2 or 3."), "skills")
    with transaction.atomic():
        profile, _created = TechnicianProfile.objects.update_or_create(
            user=user, defaults={"trade": trade, "shift_start": shift_start, "shift_end": shift_end,
                                 "capacity_minutes": capacity_minutes,
                                 "base_lat": base[0] if base else None, "base_lng": base[1] if base else None})
        profile.skills.all().delete()
        Skill.objects.bulk_create([Skill(technician=profile, trade=t, level=lv) for t, lv in
                                   ({trade: skills.get(trade, 1)} | skills).items()])
    return profile


