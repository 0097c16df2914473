"""H2 staff performance: agents and technicians per period, within the viewer's scope.

Each figure is counted from one queryset per metric (`metric_orders`), and the numbers on the page link to
the same queryset, so a drill-down always lists exactly the orders behind the number.

Agents (by who took the request):
- contacts = contacts they logged; orders = orders they took; first response = mean minutes from the start
  of the first-response promise to its being met, on orders they took; handling time = mean minutes from a
  contact's start to its being done, on contacts closed on the spot; satisfaction = CSI of the scores given in
  the period on orders they took.
Technicians (by the order's owner, whom dispatch makes the technician):
- completed = field jobs handed over in the period; on-time arrival = arrivals by the end of the agreed
  window ÷ arrivals with an agreed window; rework = completed jobs that a later rework job points at;
  standard vs actual hours over the completed jobs (actual = work started → handed over); satisfaction = CSI;
  revisit complaints = revisits done in the period with an overall score of 1 or 2.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.urls import reverse

from anxin.accounts.models import User
from anxin.field.models import Appointment, FieldJob, JobType, Visit
from anxin.intake.models import ContactLog
from anxin.qa.selectors import qa_scores
from anxin.reports.models import (
    AgentOrderRollup,
    AgentResponseRollup,
    AgentScoreRollup,
    TechnicianArrivalRollup,
    TechnicianJobRollup,
    TechnicianScoreRollup,
)
from anxin.reports.selectors import (
    Epoch,
    MeanSeconds,
    ReportFilters,
    WholeSeconds,
    _scope_site_ids,
    _site_ids,
    order_q,
    outage_report_ids_in,
    queue_url,
    scoped_orders,
)
from anxin.revisits.indices import DISSATISFIED, csi_of
from anxin.revisits.models import Revisit, SelfRating
from anxin.sla.models import Clock, Metric
from anxin.workorders.models import WorkOrder

AGENT_METRICS = ("created", "first_response", "satisfaction")
TECH_METRICS = ("completed", "arrivals", "rework", "satisfaction", "revisit_complaints")
NO_SCORES = (0, 0, 0)  # a person's [scores, their sum, revisits scored 1–2] when they have none


def _between(field: str, filters: ReportFilters) -> Q:
    return Q(**{f"{field}__gte": filters.period.start, f"{field}__lt": filters.period.end})


def metric_orders(*, user: User, filters: ReportFilters, person: User, role: str, metric: str) -> QuerySet[WorkOrder]:
    """The orders behind one number of the table (what its link lists)."""
    scoped = scoped_orders(user=user, filters=filters)
    field = "taken_by" if role == "agent" else "owner"
    mine = scoped.filter(**{f"{field}_id": person.id})
    if metric == "created":
        return mine.filter(_between("received_at", filters))
    if metric == "first_response":
        return mine.filter(Exists(Clock.objects.filter(
            work_order_id=OuterRef("pk"), metric=Metric.FIRST_RESPONSE, state=Clock.State.MET,
            started_at__gte=filters.period.start, started_at__lt=filters.period.end)))
    if metric in ("completed", "rework"):
        done = mine.filter(_between("field_job__completed_at", filters))
        if metric == "rework":
            done = done.filter(Exists(FieldJob.objects.filter(rework_of_id=OuterRef("pk"))))
        return done
    if metric == "arrivals":  # as the rate counts them: arrivals on orders with an agreed window
        return mine.filter(Exists(Visit.objects.filter(work_order_id=OuterRef("pk"), technician_id=person.id,
                                                       arrived_at__gte=filters.period.start,
                                                       arrived_at__lt=filters.period.end)),
                           Exists(Appointment.objects.filter(work_order_id=OuterRef("pk"), is_current=True)))
    if metric == "satisfaction":
        return mine.filter(Exists(Revisit.objects.filter(
            work_order_id=OuterRef("pk"), status=Revisit.Status.DONE, overall__isnull=False,
            done_at__gte=filters.period.start, done_at__lt=filters.period.end)) | Exists(SelfRating.objects.filter(
                work_order_id=OuterRef("pk"), created_at__gte=filters.period.start, created_at__lt=filters.period.end)))
    if metric == "revisit_complaints":
        return mine.filter(Exists(Revisit.objects.filter(
            work_order_id=OuterRef("pk"), status=Revisit.Status.DONE, overall__lte=DISSATISFIED,
            done_at__gte=filters.period.start, done_at__lt=filters.period.end)))
    raise ValueError(metric)


@dataclass
class PeriodScores:
    """The period's scores (revisits done and customers' own ratings) of the orders in scope, read once for both
    tables, per person id: [scores, their sum, revisits scored 1–2] — by who took the order (agents) and by its
    owner (technicians)."""

    by_taker: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    by_owner: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))


def _live_scores(*, via: Q, period) -> PeriodScores:
    scores = PeriodScores()
    people = ("work_order__taken_by_id", "work_order__owner_id", "overall")
    # unordered: the models' default order made SQLite sort each month's revisits for nothing
    revisits = Revisit.objects.filter(via, status=Revisit.Status.DONE, overall__isnull=False,
                                      done_at__gte=period.start, done_at__lt=period.end).order_by()
    ratings = SelfRating.objects.filter(via, created_at__gte=period.start, created_at__lt=period.end).order_by()
    for is_revisit, rows in ((True, revisits.values_list(*people)), (False, ratings.values_list(*people))):
        for taker, owner, score in rows:
            for table, pid in ((scores.by_taker, taker), (scores.by_owner, owner)):
                held = table[pid or 0]
                held[0] += 1
                held[1] += score
                held[2] += is_revisit and score <= DISSATISFIED
    return scores


def period_scores(*, user: User, filters: ReportFilters) -> PeriodScores:
    """From the person rollups when the viewer sees whole sites (read per order, a month at a busy site was 45 ms of
    the page at 1 M orders); counted live for someone who sees only their own orders. Tested to agree."""
    period = filters.period
    if not user.has_perm("workorders.view_team_orders"):
        scores = _live_scores(via=order_q(user=user, filters=filters, via="work_order__"), period=period)
    else:
        sites, scores = _scope_site_ids(user, filters), PeriodScores()
        for model, table in ((AgentScoreRollup, scores.by_taker), (TechnicianScoreRollup, scores.by_owner)):
            rows = model.objects.filter(site_id__in=sites, day__gte=period.since, day__lte=period.until)
            if filters.type:
                rows = rows.filter(type=filters.type)
            for pid, *sums in rows.values("person_id").annotate(
                    n=Sum("scores"), total=Sum("score_sum"), low=Sum("complaints")).order_by().values_list(
                    "person_id", "n", "total", "low"):
                table[pid] = sums
        # an outage's reports (other than its field order) are left out, as order_q leaves those orders
        reports = outage_report_ids_in(user=user, filters=filters, sites=sites)
        if reports:
            apart = _live_scores(via=Q(work_order_id__in=reports), period=period)
            for table, taken in ((scores.by_taker, apart.by_taker), (scores.by_owner, apart.by_owner)):
                for pid, sums in taken.items():
                    table[pid] = [a - b for a, b in zip(table[pid], sums, strict=True)]
    for table in (scores.by_taker, scores.by_owner):
        for pid in [pid for pid, sums in table.items() if pid == 0 or not any(sums)]:
            del table[pid]
    return scores


def _csi(sums: list[int] | None) -> float | None:
    return csi_of(sums[1], sums[0]) if sums else None


def _minutes(qs: QuerySet, person: str, start: str, end: str) -> dict[int, float]:
    """Mean minutes from `start` to `end` per person, averaged in the database: a month at a busy desk is 20k pairs,
    and making them into datetimes in Python was most of the page (110 ms at 1 M orders)."""
    rows = (qs.filter(**{f"{start}__isnull": False, f"{end}__isnull": False, f"{end}__gte": F(start)})
            .values(person).annotate(seconds=MeanSeconds(end, start)).order_by())
    return {r[person]: round(r["seconds"] / 60, 1) for r in rows if r["seconds"] is not None}


def _live_first_responses(via: Q, period) -> dict[int, list[int]]:
    """Per agent who took the order: [first responses met, their whole seconds], of promises started in the period."""
    rows = (Clock.objects.filter(via, metric=Metric.FIRST_RESPONSE, state=Clock.State.MET, met_at__gte=F("started_at"),
                                 started_at__gte=period.start, started_at__lt=period.end)
            .values("work_order__taken_by_id").annotate(n=Count("id"), seconds=Sum(WholeSeconds("met_at", "started_at")))
            .order_by().values_list("work_order__taken_by_id", "n", "seconds"))
    return {pid: [n, seconds] for pid, n, seconds in rows if pid}


def first_responses(*, user: User, filters: ReportFilters) -> dict[int, float]:
    """Mean minutes to the first response per agent. From the response rollup when the viewer sees whole sites (a
    month at a busy desk is 40k promises, each needing its order: 0.5 s at 1 M orders); else counted live."""
    period = filters.period
    if not user.has_perm("workorders.view_team_orders"):
        sums = _live_first_responses(order_q(user=user, filters=filters, via="work_order__"), period)
    else:
        sites = _scope_site_ids(user, filters)
        rows = AgentResponseRollup.objects.filter(site_id__in=sites, day__gte=period.since, day__lte=period.until)
        if filters.type:
            rows = rows.filter(type=filters.type)
        sums = {pid: [n, seconds] for pid, n, seconds in rows.values("person_id").annotate(
            n=Sum("responses"), seconds=Sum("response_seconds")).order_by().values_list(
            "person_id", "n", "seconds") if pid}
        reports = outage_report_ids_in(user=user, filters=filters, sites=sites)
        if reports:  # as order_q leaves an outage's reports out
            for pid, (n, seconds) in _live_first_responses(Q(work_order_id__in=reports), period).items():
                held = sums.setdefault(pid, [0, 0])
                held[0] -= n
                held[1] -= seconds
    return {pid: round(seconds / n / 60, 1) for pid, (n, seconds) in sums.items() if n}


def _people(ids) -> dict[int, User]:
    return User.objects.select_related("org_unit").in_bulk([i for i in ids if i])


def _live_orders_taken(orders: QuerySet, period) -> dict[int, int]:
    return dict(orders.filter(received_at__gte=period.start, received_at__lt=period.end, taken_by__isnull=False)
                .values_list("taken_by_id").annotate(n=Count("id")).order_by())


def orders_taken(*, user: User, filters: ReportFilters) -> dict[int, int]:
    """Orders received in the period per agent who took them. From the taker rollup when the viewer sees whole sites
    (a month at a busy desk is 40k orders read for their taker); else counted live."""
    period = filters.period
    if not user.has_perm("workorders.view_team_orders"):
        return _live_orders_taken(scoped_orders(user=user, filters=filters), period)
    sites = _scope_site_ids(user, filters)
    rows = AgentOrderRollup.objects.filter(site_id__in=sites, day__gte=period.since, day__lte=period.until)
    if filters.type:
        rows = rows.filter(type=filters.type)
    taken = dict(rows.values("person_id").annotate(n=Sum("orders")).order_by().values_list("person_id", "n"))
    reports = outage_report_ids_in(user=user, filters=filters, sites=sites)
    if reports:  # as order_q leaves an outage's reports out
        for pid, n in _live_orders_taken(WorkOrder.objects.filter(id__in=reports), period).items():
            taken[pid] = taken.get(pid, 0) - n
    return {pid: n for pid, n in taken.items() if pid and n}


def agent_performance(*, user: User, filters: ReportFilters, scores: PeriodScores | None = None) -> list[dict]:
    period = filters.period
    contacts = ContactLog.objects.filter(site_id__in=_site_ids(user, filters), received_at__gte=period.start,
                                         received_at__lt=period.end, taker__isnull=False)
    # COUNT(*): with COUNT(id) PostgreSQL read the table for the id instead of the covering index alone
    handled = dict(contacts.values_list("taker_id").annotate(n=Count("*")).order_by())
    handling = _minutes(contacts.filter(work_order__isnull=True), "taker_id", "received_at", "done_at")
    created = orders_taken(user=user, filters=filters)
    first = first_responses(user=user, filters=filters)
    scores = (scores or period_scores(user=user, filters=filters)).by_taker
    qa = qa_scores(unit_ids=_site_ids(user, filters), start=period.start, end=period.end)  # H5, after appeals
    people = _people(set(handled) | set(created) | set(first) | set(scores) | set(qa))
    rows = []
    for pid, person in people.items():
        rows.append({"person": person, "contacts": handled.get(pid, 0), "created": created.get(pid, 0),
                     "first_response": first.get(pid), "handling": handling.get(pid),
                     "scores": scores.get(pid, NO_SCORES)[0], "satisfaction": _csi(scores.get(pid)),
                     "qa": qa.get(pid, (None, 0))[0], "qa_n": qa.get(pid, (None, 0))[1],
                     "urls": {"contacts": _register_url(person, filters),
                              "created": queue_url(filters.queue_params(taken_by=person.username)),
                              **_drill_urls(person, "agent", filters)}})
    return rows


def _live_arrivals(visits: QuerySet, period) -> tuple[dict[int, int], dict[int, int]]:
    """Arrivals in the period at an order with an agreed window, and those by its end, per technician."""
    window = Appointment.objects.filter(work_order_id=OuterRef("work_order_id"), is_current=True).annotate(
        t=Epoch("window_to")).values("t")[:1]
    arrivals, on_time = defaultdict(int), defaultdict(int)
    for pid, arrived, window_end in (visits.filter(arrived_at__gte=period.start, arrived_at__lt=period.end)
                                     .annotate(t=Epoch("arrived_at"), window=Subquery(window)).order_by()
                                     .values_list("technician_id", "t", "window")):
        if window_end is not None:
            arrivals[pid] += 1
            on_time[pid] += arrived <= window_end
    return arrivals, on_time


def period_arrivals(*, user: User, filters: ReportFilters) -> tuple[dict[int, int], dict[int, int]]:
    """From the arrival rollup when the viewer sees whole sites (each of a month's 6k visits needed its order and its
    window: 30 ms at 1 M orders); else each visit joined to its order by key, from `visit_arrived` — the order's
    site as an expression, so that SQLite cannot start from the site's 1 M orders instead (430 ms)."""
    period = filters.period
    if not user.has_perm("workorders.view_team_orders"):
        return _live_arrivals(
            Visit.objects.alias(plain_site_id=ExpressionWrapper(F("work_order__site_id") + 0, IntegerField()))
            .filter(order_q(user=user, filters=filters, via="work_order__", site="plain_site")), period)
    sites = _scope_site_ids(user, filters)
    rows = TechnicianArrivalRollup.objects.filter(site_id__in=sites, day__gte=period.since, day__lte=period.until)
    if filters.type:
        rows = rows.filter(type=filters.type)
    arrivals, on_time = defaultdict(int), defaultdict(int)
    for pid, n, kept in rows.values("person_id").annotate(n=Sum("arrivals"), kept=Sum("on_time")).order_by(
            ).values_list("person_id", "n", "kept"):
        arrivals[pid], on_time[pid] = n, kept
    reports = outage_report_ids_in(user=user, filters=filters, sites=sites)
    if reports:  # as order_q leaves an outage's reports out
        apart, apart_on_time = _live_arrivals(Visit.objects.filter(work_order_id__in=reports), period)
        for pid, n in apart.items():
            arrivals[pid] -= n
            on_time[pid] -= apart_on_time[pid]
    return ({pid: n for pid, n in arrivals.items() if n}, {pid: n for pid, n in on_time.items() if arrivals[pid]})


def _job_rows(orders: QuerySet[WorkOrder], filters: ReportFilters) -> QuerySet:
    return (orders.filter(_between("field_job__completed_at", filters), owner__isnull=False)
            .annotate(reworked=Exists(FieldJob.objects.filter(rework_of_id=OuterRef("pk"))),
                      started=Epoch("field_job__started_at"), ended=Epoch("field_job__completed_at"))
            .order_by().values_list("owner_id", "field_job__job_type__standard_minutes", "started", "ended",
                                    "reworked"))


def completed_jobs(*, user: User, filters: ReportFilters) -> QuerySet:
    """(owner, standard minutes, started, ended, reworked) of the field jobs handed over in the period — read from
    the jobs' `field_job_completed` index, not by joining every order of the site (tested on both databases)."""
    return _job_rows(scoped_orders(user=user, filters=filters), filters)


def _live_jobs(rows) -> dict[int, list[int]]:
    """Per owner, from `_job_rows`: [handed over, reworked, standard minutes, worked seconds] — the last two over
    the jobs with a working time and a standard (so that the two compare like with like)."""
    jobs = defaultdict(lambda: [0, 0, 0, 0])
    for pid, standard, started, ended, reworked in rows:
        held = jobs[pid]
        held[0] += 1
        held[1] += bool(reworked)
        if standard and started is not None and ended is not None and ended >= started:
            held[2] += standard
            held[3] += int(ended - started + 0.5)  # whole seconds, as the rollup's trigger rounds them
    return jobs


def _reworked(*, user: User, filters: ReportFilters) -> dict[int, int]:
    """Per owner: the period's handed-over jobs that a rework job points at. The month's jobs from their
    `field_job_completed` index, each asked of the rework index (where set: a few per cent) before its order is
    read: joined the other way, each of the month's 6k jobs read its order first (22 ms on SQLite at 1 M orders)."""
    rows = (FieldJob.objects.filter(_between("completed_at", filters),
                                    Exists(FieldJob.objects.filter(rework_of_id=OuterRef("work_order_id"))))
            .filter(order_q(user=user, filters=filters, via="work_order__"), work_order__owner__isnull=False)
            .values("work_order__owner_id").annotate(n=Count("id")).order_by()
            .values_list("work_order__owner_id", "n"))
    return dict(rows)


def period_jobs(*, user: User, filters: ReportFilters) -> dict[int, list[int]]:
    """Per technician: [handed over, reworked, standard minutes, worked seconds] (as `_live_jobs`). From the job
    rollup when the viewer sees whole sites, rework counted live; else each job counted live. Tested to agree."""
    if not user.has_perm("workorders.view_team_orders"):
        return dict(_live_jobs(completed_jobs(user=user, filters=filters)))
    period, sites = filters.period, _scope_site_ids(user, filters)
    rows = TechnicianJobRollup.objects.filter(site_id__in=sites, day__gte=period.since, day__lte=period.until)
    if filters.type:
        rows = rows.filter(type=filters.type)
    standards = dict(JobType.objects.filter(standard_minutes__gt=0).values_list("id", "standard_minutes"))
    jobs = defaultdict(lambda: [0, 0, 0, 0])
    for pid, job_type, n, timed, seconds in (
            rows.values("person_id", "job_type_id").annotate(n=Sum("completed"), timed=Sum("timed"),
                                                             seconds=Sum("worked_seconds"))
            .order_by().values_list("person_id", "job_type_id", "n", "timed", "seconds")):
        held = jobs[pid]
        held[0] += n
        if job_type in standards:
            held[2] += timed * standards[job_type]
            held[3] += seconds
    reports = outage_report_ids_in(user=user, filters=filters, sites=sites)
    if reports:  # as order_q leaves an outage's reports out (the rollup holds no rework to take away)
        for pid, (n, _reworked_too, standard, seconds) in _live_jobs(
                _job_rows(WorkOrder.objects.filter(id__in=reports), filters)).items():
            held = jobs[pid]
            held[0], held[2], held[3] = held[0] - n, held[2] - standard, held[3] - seconds
    for pid, n in _reworked(user=user, filters=filters).items():
        jobs[pid][1] = n
    return {pid: sums for pid, sums in jobs.items() if pid and any(sums)}


def technician_performance(*, user: User, filters: ReportFilters,
                           scores: PeriodScores | None = None) -> list[dict]:
    jobs = period_jobs(user=user, filters=filters)
    arrivals, on_time = period_arrivals(user=user, filters=filters)
    scores = (scores or period_scores(user=user, filters=filters)).by_owner
    people = _people(set(jobs) | set(arrivals) | set(scores))
    rows = []
    for pid, person in people.items():
        n, reworked, standard, seconds = jobs.get(pid, (0, 0, 0, 0))
        rows.append({
            "person": person, "completed": n, "rework": reworked,
            "rework_rate": round(100 * reworked / n, 1) if n else None,
            "arrivals": arrivals.get(pid, 0), "on_time": on_time.get(pid, 0),
            "on_time_rate": round(100 * on_time[pid] / arrivals[pid], 1) if arrivals.get(pid) else None,
            "standard_hours": round(standard / 60, 1), "actual_hours": round(seconds / 3600, 1),
            "hours_ratio": round(seconds / 60 / standard, 2) if standard else None,
            "scores": scores.get(pid, NO_SCORES)[0], "satisfaction": _csi(scores.get(pid)),
            "revisit_complaints": scores.get(pid, NO_SCORES)[2], "urls": _drill_urls(person, "technician", filters)})
    return rows


def _register_url(person: User, filters: ReportFilters) -> str:
    return f"{reverse('reports:register')}?" + urlencode({
        "agent": person.username, "since": filters.period.since.isoformat(), "until": filters.period.until.isoformat()})


def _drill_urls(person: User, role: str, filters: ReportFilters) -> dict[str, str]:
    """For each metric of the role: the page listing the orders behind the number (`metric_orders`)."""
    base = {"role": role, "who": person.username, "since": filters.period.since.isoformat(),
            "until": filters.period.until.isoformat(), "site": filters.site.code if filters.site else "",
            "type": filters.type}
    return {metric: f"{reverse('reports:staff-orders')}?" + urlencode({**base, "metric": metric})
            for metric in (AGENT_METRICS if role == "agent" else TECH_METRICS)}


SORT_KEYS = {
    "agent": ("contacts", "created", "first_response", "handling", "satisfaction", "qa"),
    "technician": ("completed", "on_time_rate", "rework_rate", "hours_ratio", "satisfaction", "revisit_complaints"),
}


def sort_rows(rows: list[dict], key: str, role: str) -> list[dict]:
    """Sort by a offered column (never a field name from the request); empty values last, then by name."""
    if key.lstrip("-") not in SORT_KEYS[role]:
        key = "-" + SORT_KEYS[role][0]
    field, descending = key.lstrip("-"), key.startswith("-")
    present = [r for r in rows if r[field] is not None]
    present.sort(key=lambda r: (r[field], r["person"].username), reverse=descending)
    return present + sorted((r for r in rows if r[field] is None), key=lambda r: r["person"].username)
