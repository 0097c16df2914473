"""Appointment slots a customer may pick (A5): only windows the field technicians of the site and trade can
really honour, from the same records the dispatch board uses.

For each slot of each working day ahead:
  supply = for every active technician of the site with the trade at the job's level, the minutes of the slot
           inside his shift, minus the minutes of his planned visits (the register) overlapping it;
  demand = the standard minutes of visits already promised in that slot and not yet on anyone's plan
           (appointments without an active assignment), of the same trade — or of unknown trade;
  a slot is offered when supply − demand covers the job (standard time + travel) and one technician alone has
  that much free time, so the board never has to split a visit.
Three queries whatever the number of days. `slot_is_free` re-checks one slot inside the booking transaction,
under a lock on the site row, so two customers cannot both take the last place.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from anxin.accounts.models import OrgUnit
from anxin.field.models import Appointment, Assignment, JobType, TechnicianProfile
from anxin.sla.calendar import CalendarError
from anxin.sla.selectors import calendar_for
from anxin.workorders.states import OPEN_STATUSES

SHANGHAI = ZoneInfo("Asia/Shanghai")
SLOT_TIMES = ((time(8, 30), time(10, 30)), (time(10, 30), time(12, 30)),
              (time(13, 30), time(15, 30)), (time(15, 30), time(17, 30)))
TRAVEL_MINUTES = 30
UNKNOWN_JOB_MINUTES = 60


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    free_minutes: int

    @property
    def key(self) -> str:
        return timezone.localtime(self.start, SHANGHAI).strftime("%Y%m%d%H%M")


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> float:
    return max(0.0, (min(a_end, b_end) - max(a_start, b_start)).total_seconds() / 60)


def _days(site_id: int, first: date, count: int) -> list[date]:
    calendar, days, day = calendar_for(site_id), [], first
    while len(days) < count and day < first + timedelta(days=count * 3):
        try:
            if calendar.is_workday(day):
                days.append(day)
        except CalendarError:
            break  # a year nobody published: offer nothing rather than a wrong day
        day += timedelta(days=1)
    return days


def need_minutes(job_type: JobType | None) -> int:
    return (job_type.standard_minutes if job_type else UNKNOWN_JOB_MINUTES) + TRAVEL_MINUTES


def free_slots(*, site: OrgUnit, job_type: JobType | None, now: datetime | None = None,
               days: int | None = None, only: tuple[datetime, datetime] | None = None) -> list[Slot]:
    """The slots of the next `days` working days the site can honour for this job type (all, or `only` one)."""
    now = now or timezone.now()
    trade = job_type.trade if job_type else None
    level = job_type.min_level if job_type else 1
    earliest = now + timedelta(hours=settings.PORTAL_SLOT_LEAD_HOURS)
    if only:
        windows = [only]
    else:
        windows = [(datetime.combine(day, a, SHANGHAI), datetime.combine(day, b, SHANGHAI))
                   for day in _days(site.id, timezone.localtime(now, SHANGHAI).date(), days or settings.PORTAL_SLOT_DAYS)
                   for a, b in SLOT_TIMES]
    windows = [(a, b) for a, b in windows if a >= earliest]
    if not windows:
        return []
    span = (windows[0][0], windows[-1][1])
    techs = TechnicianProfile.objects.filter(is_active=True, user__is_active=True, user__org_unit_id=site.id)
    if trade:
        techs = techs.filter(Q(trade=trade) | Q(skills__trade=trade, skills__level__gte=level)).distinct()
    techs = list(techs.values("user_id", "shift_start", "shift_end"))
    if not techs:
        return []
    planned = list(Assignment.objects.filter(technician_id__in=[t["user_id"] for t in techs], cancelled_at__isnull=True,
                                             planned_start__lt=span[1], planned_end__gt=span[0])
                   .values_list("technician_id", "planned_start", "planned_end"))
    waiting = Appointment.objects.filter(
        is_current=True, work_order__site_id=site.id, window_from__lt=span[1], window_to__gt=span[0], work_order__status__in=OPEN_STATUSES,
    ).exclude(Exists(Assignment.objects.filter(work_order=OuterRef("work_order"), cancelled_at__isnull=True)))
    if trade:
        waiting = waiting.filter(Q(work_order__field_job__job_type__trade=trade)
                                 | Q(work_order__field_job__job_type__isnull=True))
    waiting = list(waiting.values_list("window_from", "window_to", "work_order__field_job__job_type__standard_minutes"))
    need = need_minutes(job_type)
    slots = []
    for start, end in windows:
        free = []
        for tech in techs:
            day = timezone.localtime(start, SHANGHAI).date()
            shift = (datetime.combine(day, tech["shift_start"], SHANGHAI), datetime.combine(day, tech["shift_end"], SHANGHAI))
            minutes = _overlap(start, end, *shift)
            minutes -= sum(_overlap(start, end, a, b) for who, a, b in planned if who == tech["user_id"])
            free.append(max(0.0, minutes))
        demand = sum((m or UNKNOWN_JOB_MINUTES) + TRAVEL_MINUTES for a, b, m in waiting if a < end and b > start)
        pool = sum(free) - demand
        if pool >= need and max(free) >= need:
            slots.append(Slot(start=start, end=end, free_minutes=int(pool)))
    return slots


def slot_from_key(key: str) -> tuple[datetime, datetime] | None:
    """The window a slot key names, if it is one of the slot times; None for anything else."""
    try:
        start = datetime.strptime(key, "%Y%m%d%H%M").replace(tzinfo=SHANGHAI)
    except (TypeError, ValueError):
        return None
    for a, b in SLOT_TIMES:
        if start.time() == a:
            return start, datetime.combine(start.date(), b, SHANGHAI)
    return None


def slot_is_free(*, site: OrgUnit, job_type: JobType | None, window: tuple[datetime, datetime],
                 now: datetime | None = None) -> bool:
    """Call inside the booking transaction after locking the site row (`lock_site`)."""
    return bool(free_slots(site=site, job_type=job_type, now=now, only=window))


def lock_site(site: OrgUnit) -> None:
    """Serialise bookings of one site: PostgreSQL row lock; SQLite's write transaction does it already."""
    OrgUnit.objects.select_for_update().filter(pk=site.pk).first()
