"""The dispatch board's "propose plan": the day's real orders and technicians as a dispatch instance
(shared/dispatch-bench/FORMAT.md), solved by the same dispatcher as `anxin dispatch-bench`.

Jobs already on the board stay: a technician's day in the instance starts after his last planned job,
from that job's place, with the capacity that is left. Places without coordinates sit at the centre of the
site's known places (and the board says so). Nothing is written here: the dispatcher accepts rows, and each
accepted row goes through `services.dispatch`, which checks the rules again.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import OrgUnit, User
from anxin.dispatch.instance import Instance, Order, Tech
from anxin.dispatch.service import dispatch_plan
from anxin.field import geo, selectors
from anxin.field.models import FieldJob

OBJECTIVE = {  # the benchmark's weights: priority classes first, then lateness, travel and balance
    "unassigned_penalty": {"emergency": 10000, "recall": 1000, "rework": 800, "appointment": 600, "normal": 300},
    "lateness_per_min": {"emergency": 10, "recall": 1, "rework": 1, "appointment": 1, "normal": 0.5},
    "travel_per_km": 1.0,
    "spread_per_hour": 20.0,
}


@dataclass
class ProposedRow:
    order: object
    technician: User
    start: datetime
    priority: str


@dataclass
class Proposal:
    rows: list[ProposedRow] = field(default_factory=list)
    unassigned: list[tuple[object, str]] = field(default_factory=list)
    solver: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def _minutes(moment: datetime, day: date) -> int:
    local = timezone.localtime(moment)
    return max(0, min(1440, (local.date() - day).days * 1440 + local.hour * 60 + local.minute))


def priority_class(order, job: FieldJob | None, has_appointment: bool) -> str:
    if order.is_emergency:
        return "emergency"
    if job and job.is_recall:
        return "recall"
    if job and job.rework_of_id:
        return "rework"
    return "appointment" if has_appointment else "normal"


def propose(*, user: User, site: OrgUnit, day: date, time_limit_s: float | None = None) -> Proposal:
    proposal = Proposal()
    board = selectors.board_for(user=user, site=site, day=day)
    candidates = selectors.unassigned_for(user=user, site=site)
    places = [(o.customer.lat, o.customer.lng) for o in candidates if o.customer and o.customer.lat is not None]
    places += [(b.profile.base_lat, b.profile.base_lng) for b in board if b.profile.base_lat is not None]
    origin = (float(places[0][0]), float(places[0][1])) if places else (0.0, 0.0)

    def xy(lat, lng) -> tuple[float, float]:
        return (0.0, 0.0) if lat is None or lng is None else geo.to_km(lat, lng, origin)

    techs, users = [], {}
    for row in board:
        p = row.profile
        skills = {s.trade: s.level for s in p.skills.all()}
        skills.setdefault(p.trade, 1)
        start = p.shift_start.hour * 60 + p.shift_start.minute
        end = p.shift_end.hour * 60 + p.shift_end.minute
        x, y = xy(p.base_lat, p.base_lng)
        if row.assignments:
            last = row.assignments[-1]
            start = max(start, _minutes(last.planned_end, day))
            c = last.work_order.customer
            if c and c.lat is not None:
                x, y = xy(c.lat, c.lng)
        if row.on_duty:
            # on the duty roster: available until midnight (and, today, from now if that is before the shift)
            end = 1440
            if day == timezone.localdate():
                start = min(start, _minutes(timezone.now(), day))
        end = max(end, start)
        key = f"t{p.user_id}"
        users[key] = p.user
        techs.append(Tech(key, p.trade, skills, start, end, max(0, p.capacity_minutes - row.minutes), x, y))
    orders, by_key = [], {}
    defaults = selectors.default_job_types()
    now_min = _minutes(timezone.now(), day) if day == timezone.localdate() else 0
    for o in candidates:
        job = getattr(o, "field_job", None)
        appt = o.current_appointments[0] if o.current_appointments else None
        job_type = job.job_type if job and job.job_type else defaults.get(o.category_id)
        if job_type is None:
            proposal.unassigned.append((o, _("Job type not set")))
            continue
        window = None
        if appt:
            if timezone.localtime(appt.window_to).date() < day or timezone.localtime(appt.window_from).date() > day:
                proposal.unassigned.append((o, _("Appointment on another day")))
                continue
            window = (_minutes(appt.window_from, day), _minutes(appt.window_to, day))
        if o.customer is None or o.customer.lat is None:
            proposal.notes.append(_("%(number)s has no map position; travel to it is estimated from the centre.")
                                  % {"number": o.number})
        key = f"o{o.pk}"
        by_key[key] = o
        x, y = xy(o.customer.lat if o.customer else None, o.customer.lng if o.customer else None)
        orders.append(Order(key, priority_class(o, job, appt is not None), job_type.trade, job_type.min_level,
                            job_type.standard_minutes, x, y, now_min, window, None))
    trades = sorted({t.trade for t in techs} | {s for t in techs for s in t.skills} | {o.trade for o in orders})
    if not orders or not techs:
        return proposal
    instance = Instance(f"{site.code}-{day.isoformat()}", (0, 1440), "manhattan", float(settings.FIELD_SPEED_KMH),
                        trades, OBJECTIVE, techs, orders)
    plan, seconds = dispatch_plan(instance, time_limit_s=time_limit_s or settings.FIELD_PLAN_SECONDS)
    proposal.solver, proposal.seconds = plan.solver, seconds
    midnight = timezone.make_aware(datetime.combine(day, time.min))
    priorities = {o.id: o.priority for o in orders}
    for tech_key, visits in plan.routes.items():
        for order_key, start in visits:
            proposal.rows.append(ProposedRow(by_key[order_key], users[tech_key], midnight + timedelta(minutes=start),
                                             FieldJob.PriorityClass(priorities[order_key]).label))
    proposal.rows.sort(key=lambda r: (r.technician.username, r.start))
    reasons = {"no_qualified_technician": _("No technician with the skill and level"),
               "no_time_slot": _("No free time today")}
    for order_key, reason in plan.unassigned.items():
        proposal.unassigned.append((by_key[order_key], reasons.get(reason, reason)))
    return proposal
