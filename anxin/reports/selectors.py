"""H1 dashboard and the 95598 type table: figures read from the orders in the viewer's scope.

Definitions (also on the page and in docs/reports.md):
- an order belongs to the period by `received_at` (Asia/Shanghai days, both ends included);
- backlog is "as of now": open orders of the scope, by age;
- urge rate = orders chased at least once ÷ orders;
- first-contact resolution = (contacts resolved on the spot + resolved orders never chased nor reopened)
  ÷ (contacts resolved on the spot + resolved orders);
- repeat complaint = a complaint whose customer had another complaint in the 90 days before it;
- revisit coverage = revisits done by their due time ÷ revisits due in the period (F1);
- CSI = mean overall score ÷ 5 × 100 over revisits done and customers' own ratings in the period (F6).
"""

from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from django.db import connection
from django.db.models import Count, DateField, F, FloatField, Func, IntegerField, Q, QuerySet, Sum, Window
from django.db.models.functions import Lag
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import scope_filter, visible_units
from anxin.core.sqlplans import custom_plans
from anxin.customers.models import Customer
from anxin.reports.models import ClockRollup, ContactRollup, OrderRollup, RevisitRollup, ScoreRollup
from anxin.reports.periods import SHANGHAI, Period, bucket_start, buckets
from anxin.revisits.indices import csi_of
from anxin.revisits.models import Revisit, SelfRating
from anxin.sla.models import Metric
from anxin.sla.selectors import attainment, attainment_counts
from anxin.workorders.models import Channel, Incident, WorkOrder
from anxin.workorders.states import FAMILY_OF, OPEN_STATUSES, Family, Type

COMPLAINT_TYPES = [t for t, family in FAMILY_OF.items() if family == Family.COMPLAINT]
REPEAT_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class ReportFilters:
    period: Period
    grain: str = "day"
    site: OrgUnit | None = None
    type: str = ""

    @property
    def type_label(self) -> str:
        return str(dict(Type.choices).get(self.type, self.type))

    def queue_params(self, **extra) -> dict:
        """The queue's filters for the orders behind a figure (drill-down)."""
        params = {"received_from": self.period.since.isoformat(), "received_to": self.period.until.isoformat()}
        if self.site:
            params["site"] = self.site.code
        if self.type:
            params["type"] = self.type
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return params


@lru_cache(maxsize=16)
def _queue_path(script_prefix: str, urlconf) -> str:
    return reverse("workorders:queue", urlconf=urlconf)


def queue_url(params: dict) -> str:
    # the queue's path reversed once (a dashboard builds ~90 drill-down links: reverse() was 4 ms of the page)
    return f"{_queue_path(get_script_prefix(), get_urlconf())}?{urlencode(params)}"


class BeijingDay(Func):
    """The Beijing-time day of a stored UTC time. China keeps UTC+8 without summer time (since 1991), so SQLite adds
    8 hours in SQL; Django's TruncDate would call a Python function for every row (0.44 s for a year at 100k)."""

    output_field = DateField()

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '+8 hours')", params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql}) AT TIME ZONE 'Asia/Shanghai')::date", params


class Epoch(Func):
    """Seconds since 1970 of a stored time, as a float: times compared or averaged without making an aware datetime
    per row in Python (20k of them were most of a figure's time at 1 M orders)."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"((julianday({sql}) - 2440587.5) * 86400.0)", params

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date_part('epoch', {sql})", params  # a float already; EXTRACT makes a numeric first


class WholeSeconds(Func):
    """Whole seconds from `start` to `end` of one row, as the rollup triggers count them (rollup_triggers.SECONDS)."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        (end, end_params), (start, start_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"CAST(ROUND((julianday({end}) - julianday({start})) * 86400) AS INTEGER)", [*end_params, *start_params]

    def as_postgresql(self, compiler, connection, **extra):
        (end, end_params), (start, start_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"CAST(ROUND(EXTRACT(EPOCH FROM ({end}) - ({start}))) AS BIGINT)", [*end_params, *start_params]


class MeanSeconds(Func):
    """Aggregate: the mean of `end` − `start` in seconds. PostgreSQL averages the intervals and converts once per
    group (EXTRACT per row was 8 of a month's 10 ms); SQLite has no interval type, so it averages epoch seconds."""

    contains_aggregate = True
    output_field = FloatField()

    def get_group_by_cols(self):
        return []  # an aggregate: its columns are not grouped by (as Django's Aggregate)

    def as_sqlite(self, compiler, connection, **extra):
        (end, end_params), (start, start_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"AVG((julianday({end}) - julianday({start})) * 86400.0)", [*end_params, *start_params]

    def as_postgresql(self, compiler, connection, **extra):
        (end, end_params), (start, start_params) = (compiler.compile(e) for e in self.source_expressions)
        return f"EXTRACT(EPOCH FROM AVG({end} - {start}))::float", [*end_params, *start_params]


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def order_q(*, user: User, filters: ReportFilters, via: str = "", site: str = "") -> Q:
    """The viewer's scope (as `workorder_qs_for`), site and type as a condition on an order reached through `via`
    (e.g. "work_order__"): a join. `work_order__in=<orders>` would make SQLite list the whole scope's ids first."""
    site = site or f"{via}site"  # or an alias of it (staff.py: one the planner cannot take for an index)
    q = scope_filter(user, site_field=site, owner_field=f"{via}owner")
    # A11: a mass outage counts once, as its field order; its other reports are counted apart (`volume`). As "not
    # one of the reports" (their ids, read first) rather than an OR over a join: with the OR, SQLite read all 1 M
    # orders for the backlog and CSI (190 and 150 ms) instead of the site's open ones by index.
    reports = outage_report_ids()
    if len(reports) > MAX_LISTED_REPORTS:  # years of outages: as a subquery (slower, but within the parameter limit)
        q &= ~Q(**{f"{via}id__in": _outage_reports_q().values("id")})
    elif reports:
        q &= ~Q(**{f"{via}id__in": reports})
    if filters.site:
        q &= Q(**{f"{site}_id": filters.site.id})
    if filters.type:
        q &= Q(**{f"{via}type": filters.type})
    return q


MAX_LISTED_REPORTS = 2_000


def _outage_reports_q() -> QuerySet[WorkOrder]:
    return (WorkOrder.objects.filter(incident_id__in=Incident.objects.values("id"))
            .exclude(incident__field_order_id=F("id")))


_READ_ONCE: ContextVar[dict | None] = ContextVar("reports_read_once", default=None)


@contextmanager
def read_once():
    """Within one page: what several figures ask for (the outage reports' ids, the scope's incidents) is read once —
    the dashboard asked for them ten times (8 ms of its 50 ms of Django CPU at 1 M orders). Its statements are
    planned for their own period (`core.sqlplans`)."""
    token = _READ_ONCE.set({})
    try:
        with custom_plans():
            yield
    finally:
        _READ_ONCE.reset(token)


def _once(key, read):
    memo = _READ_ONCE.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def outage_report_ids() -> list[int]:
    """The ids of every mass outage's reports other than its field order (for `order_q` to leave out): a short list,
    read first. As a subquery, PostgreSQL planned `NOT IN` as a scan of a materialised list per row, estimated at
    1 M rows (0.3 s a figure at 1 M orders, and JIT compiling on top). Read up to one past the limit."""
    # unordered: with the orders' default order PostgreSQL walked all of them newest first to fill the LIMIT
    return _once("outage_report_ids", lambda: list(
        _outage_reports_q().order_by().values_list("id", flat=True)[:MAX_LISTED_REPORTS + 1]))


def scoped_orders(*, user: User, filters: ReportFilters) -> QuerySet[WorkOrder]:
    """Orders of the viewer's scope, narrowed by site and type (not by period)."""
    return WorkOrder.objects.filter(order_q(user=user, filters=filters))


def _in_period(qs: QuerySet, period: Period, field: str = "received_at") -> QuerySet:
    return qs.filter(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def order_measures() -> dict:
    """What is counted of the orders of a period (the columns of `OrderRollup`; its recount uses these too)."""
    return {"orders": Count("id"), "urged": Count("id", filter=Q(urge_count__gt=0)),
            "resolved": Count("id", filter=Q(resolved_at__isnull=False)),
            "first_time": Count("id", filter=Q(resolved_at__isnull=False, urge_count=0, reopen_count=0))}


ORDER_KEYS = ("day", "type", "channel", "site_id")
MEASURES = ("orders", "urged", "resolved", "first_time")


def _live_order_counts(*, user: User, filters: ReportFilters, keys: tuple = ORDER_KEYS) -> list[dict]:
    return list(_in_period(scoped_orders(user=user, filters=filters), filters.period)
                .annotate(day=BeijingDay("received_at")).values(*keys).annotate(**order_measures()).order_by())


def order_counts(*, user: User, filters: ReportFilters, keys: tuple = ORDER_KEYS) -> list[dict]:
    """The orders received in the period, as `order_q` keeps them (an outage counted once), by `keys` (of Beijing
    day, type, channel and site): `orders` and how many were chased, resolved, resolved the first time.

    Read from the rollup when the viewer's scope is whole sites; someone who sees only their own orders (scope by
    owner) gets the same rows counted from the orders. Tested to agree (test_rollups)."""
    if not user.has_perm("workorders.view_team_orders"):
        return _live_order_counts(user=user, filters=filters, keys=keys)
    period, sites = filters.period, _scope_site_ids(user, filters)
    rows = OrderRollup.objects.filter(site_id__in=sites, day__gte=period.since, day__lte=period.until)
    if filters.type:
        rows = rows.filter(type=filters.type)
    # tuples, not a Counter per row: a year is ~10k rows, and per-row objects were most of the page's time
    width = len(keys)
    counts = {row[:width]: list(row[width:]) for row in rows.values(*keys).annotate(
        **{m: Sum(m) for m in MEASURES}).order_by().values_list(*keys, *MEASURES)}
    # the rollup holds every order; the reports of an outage other than its field order are taken out (few rows)
    for row in _outage_reports(user=user, filters=filters, sites=sites).annotate(
            day=BeijingDay("received_at")).values(*keys).annotate(**order_measures()).order_by():
        held = counts[tuple(row[k] for k in keys)]
        for i, m in enumerate(MEASURES):
            held[i] -= row[m]
    fields = tuple(keys) + MEASURES
    return [dict(zip(fields, key + tuple(c), strict=True)) for key, c in counts.items() if c[0]]


def _outage_reports(*, user: User, filters: ReportFilters, sites=None, in_period: bool = True) -> QuerySet[WorkOrder]:
    """Reports of a mass outage received in the period other than its field order (A11: counted apart).

    Led by the scope's incidents (few): by the orders' site and time, SQLite read a year of the site's orders to find
    none (50 ms at 100k)."""
    in_sites = _scope_site_ids(user, filters) if sites is None else sites
    incidents = _once(("incidents", tuple(in_sites)), lambda: list(
        Incident.objects.filter(site_id__in=in_sites).values_list("id", flat=True)))
    qs = WorkOrder.objects.filter(scope_filter(user) if sites is None else Q(site_id__in=sites),
                                  incident_id__in=incidents).exclude(incident__field_order_id=F("id"))
    if filters.site:
        qs = qs.filter(site_id=filters.site.id)
    if filters.type:
        qs = qs.filter(type=filters.type)
    return _in_period(qs, filters.period) if in_period else qs


def outage_report_ids_in(*, user: User, filters: ReportFilters, sites: list[int]) -> list[int]:
    """The ids of the outage reports in these sites (any time): what a figure read from a rollup takes away, as
    `order_q` leaves those orders out of a live count."""
    key = ("outage_ids_in", user.pk, filters.site.pk if filters.site else None, filters.type, tuple(sites))
    return _once(key, lambda: list(_outage_reports(user=user, filters=filters, sites=sites, in_period=False)
                                   .values_list("id", flat=True)))  # asked by most figures of a page: read once


def contact_counts(*, user: User, filters: ReportFilters) -> dict:
    """Contacts of the period in the viewer's sites (never owner-scoped): all, chasing an order, with no order,
    answered on the spot — from the rollup."""
    period = filters.period
    row = ContactRollup.objects.filter(
        site_id__in=_scope_site_ids(user, filters), day__gte=period.since, day__lte=period.until).aggregate(
        **{m: Sum(m) for m in ("contacts", "urges", "no_order", "on_the_spot")})
    return {k: v or 0 for k, v in row.items()}


def _scope_site_ids(user: User, filters: ReportFilters) -> list[int]:
    visible = visible_units(user)
    return [s for s in _site_ids(user, filters) if s in visible]


def _rollup_where(sites: list[int], filters: ReportFilters) -> tuple[str, list]:
    """A rollup's rows of these sites in the period (and of the filtered type), for plain SQL over the rollups."""
    where = (f"site_id IN ({', '.join(['%s'] * len(sites))}) AND day >= %s AND day <= %s"
             + (" AND type = %s" if filters.type else ""))
    return where, [*sites, filters.period.since, filters.period.until, *([filters.type] if filters.type else [])]


def order_counts_by(*, user: User, filters: ReportFilters) -> dict[str, list[dict]]:
    """The period's counts grouped by each of type, channel, site and day on its own — `order_counts` with one key,
    four times. Grouped by all four at once, a year is ~18k rows to bring into Python (140 ms); apart, a few hundred.
    From the rollup as one statement (four GROUP BYs in a UNION ALL) and the outage reports read once: four
    `order_counts` were eight queries, and building them was most of the dashboard's 17 ms for its counts."""
    if not user.has_perm("workorders.view_team_orders"):
        return {key: order_counts(user=user, filters=filters, keys=(key,)) for key in ORDER_KEYS}
    sites = _scope_site_ids(user, filters)
    counts: dict[str, dict] = {key: {} for key in ORDER_KEYS}
    if sites:
        where, params = _rollup_where(sites, filters)
        sums = ", ".join(f"SUM({m})" for m in MEASURES)
        sql = " UNION ALL ".join(  # the key as text in one column: the four keys' types differ
            f"SELECT {i}, CAST({key} AS TEXT), {sums} FROM {OrderRollup._meta.db_table} WHERE {where} GROUP BY {key}"
            for i, key in enumerate(ORDER_KEYS))
        parse = {"day": date.fromisoformat, "site_id": int}
        with connection.cursor() as cursor:
            cursor.execute(sql, params * len(ORDER_KEYS))
            for i, value, *measures in cursor.fetchall():
                key = ORDER_KEYS[i]
                counts[key][parse.get(key, str)(value)] = [int(m or 0) for m in measures]
    # the rollup holds every order; the reports of an outage other than its field order are taken out (few rows)
    for row in _outage_reports(user=user, filters=filters, sites=sites).annotate(
            day=BeijingDay("received_at")).values(*ORDER_KEYS).annotate(**order_measures()).order_by():
        for key in ORDER_KEYS:
            held = counts[key].setdefault(row[key], [0] * len(MEASURES))
            for i, m in enumerate(MEASURES):
                held[i] -= row[m]
    return {key: [{key: value, **dict(zip(MEASURES, c, strict=True))} for value, c in by.items() if c[0]]
            for key, by in counts.items()}


def volume(*, user: User, filters: ReportFilters, counts: dict[str, list[dict]] | None = None) -> dict:
    """Orders received in the period by type, channel, site and time bucket."""
    by = order_counts_by(user=user, filters=filters) if counts is None else counts
    by_type, by_channel, by_site, by_day = (Counter({r[key]: r["orders"] for r in by[key]})
                                            for key in ("type", "channel", "site_id", "day"))
    total = sum(by_type.values())
    units = visible_units(user)
    by_bucket = Counter()
    for day, n in by_day.items():
        by_bucket[bucket_start(day, filters.grain)] += n
    type_labels, channel_labels = dict(Type.choices), dict(Channel.choices)

    def share(n):
        return _pct(n, total)

    outage = _outage_reports(user=user, filters=filters).aggregate(reports=Count("id"),
                                                                   incidents=Count("incident_id", distinct=True))
    return {
        "total": total,
        "outage_reports": outage["reports"], "outage_incidents": outage["incidents"],
        "by_bucket": [{"key": b.key, "n": by_bucket.get(bucket_start(b.first, filters.grain), 0),
                       "url": queue_url({**filters.queue_params(), "received_from": b.first.isoformat(),
                                         "received_to": b.last.isoformat()})}
                      for b in buckets(filters.period, filters.grain)],
        "by_type": [{"key": t, "label": str(type_labels.get(t, t)), "n": n, "share": share(n),
                     "url": queue_url(filters.queue_params(type=t))} for t, n in by_type.most_common()],
        "by_channel": [{"key": c, "label": str(channel_labels.get(c, c)), "n": n, "share": share(n),
                        "url": queue_url(filters.queue_params(channel=c))} for c, n in by_channel.most_common()],
        "by_site": [{"key": units[s].code if s in units else s, "label": units[s].name if s in units else str(s),
                     "n": n, "share": share(n),
                     "url": queue_url(filters.queue_params(site=units[s].code)) if s in units else ""}
                    for s, n in by_site.most_common()],
    }


def open_orders_by_day(*, user: User, filters: ReportFilters) -> Counter:
    """The orders open now in the viewer's scope (as `order_q` keeps them), by the Beijing day they were received.

    From the rollup's `open` column when the viewer sees whole sites: the site's open orders are 14k at a busy desk
    of a million, and counting them by age took 6 ms on PostgreSQL and 13 on SQLite a dashboard; the rollup's rows
    still holding an open order are a few weeks of days. Counted live for someone who sees only their own orders.
    Tested to agree (test_rollups)."""
    if not user.has_perm("workorders.view_team_orders"):
        return _live_open_by_day(scoped_orders(user=user, filters=filters))
    sites = _scope_site_ids(user, filters)
    rows = OrderRollup.objects.filter(~Q(open=0), site_id__in=sites)  # as the partial index rollup_order_open
    if filters.type:
        rows = rows.filter(type=filters.type)
    counts = Counter(dict(rows.values("day").annotate(n=Sum("open")).order_by().values_list("day", "n")))
    reports = outage_report_ids_in(user=user, filters=filters, sites=sites)
    if reports:  # as order_q leaves an outage's reports out
        counts.subtract(_live_open_by_day(WorkOrder.objects.filter(id__in=reports)))
    return +counts  # days left with nothing open dropped


def _live_open_by_day(orders: QuerySet[WorkOrder]) -> Counter:
    return Counter(dict(orders.filter(status__in=OPEN_STATUSES).annotate(day=BeijingDay("received_at"))
                        .values("day").annotate(n=Count("id")).order_by().values_list("day", "n")))


def backlog(*, user: User, filters: ReportFilters, now: datetime | None = None) -> dict:
    """Open orders now, by age in whole days since they were received (day buckets match the queue's dates)."""
    today = timezone.localtime(now or timezone.now(), SHANGHAI).date()
    # (key, oldest, newest) in days ago; None = open end (received later than today counts as today)
    ages = [("today", 0, None), ("1-3", 3, 1), ("4-7", 7, 4), ("8-30", 30, 8), ("30+", None, 31)]
    labels = {"today": _("Today"), "1-3": _("1–3 days ago"), "4-7": _("4–7 days ago"), "8-30": _("8–30 days ago"),
              "30+": _("More than 30 days ago")}
    counts = Counter()
    for day, n in open_orders_by_day(user=user, filters=filters).items():
        ago = (today - day).days
        counts[next(key for key, oldest, newest in ages
                    if (oldest is None or ago <= oldest) and (newest is None or ago >= newest))] += n
    base = {"status": "open", **({"site": filters.site.code} if filters.site else {}),
            **({"type": filters.type} if filters.type else {})}
    out = []
    for key, oldest, newest in ages:
        params = dict(base)
        if oldest is not None:
            params["received_from"] = (today - timedelta(days=oldest)).isoformat()
        if newest is not None:
            params["received_to"] = (today - timedelta(days=newest)).isoformat()
        out.append({"key": key, "label": str(labels[key]), "n": counts[key], "url": queue_url(params)})
    return {"total": sum(counts.values()), "ages": out, "url": queue_url(base)}


CLOCK_COLUMNS = ("total", "met_on_time", "met_late", "breached", "open")


def _live_sla_by_metric(*, via: Q, period: Period) -> list[dict]:
    from anxin.sla.models import Clock

    return attainment_counts(Clock.objects.filter(via, started_at__gte=period.start, started_at__lt=period.end),
                             ["metric"])


def promise_counts(*, user: User, filters: ReportFilters, types: tuple = ()) -> list[dict]:
    """E4: promises that started in the period on the filtered orders (of `types` only, if given), per metric, in
    `attainment_counts`' columns.

    From the clock rollup when the viewer sees whole sites (a month at a busy desk is 100k+ clocks, each needing its
    order); counted live for someone who sees only their own orders. Tested to agree (test_rollups)."""
    period = filters.period
    if not user.has_perm("workorders.view_team_orders"):
        via = order_q(user=user, filters=filters, via="work_order__")
        return _live_sla_by_metric(via=via & Q(work_order__type__in=types) if types else via, period=period)
    sites = _scope_site_ids(user, filters)

    def by_metric_and_type() -> list[tuple]:  # the dashboard asks for all types and for complaints: read once
        held = ClockRollup.objects.filter(site_id__in=sites, day__gte=period.since, day__lte=period.until)
        if filters.type:
            held = held.filter(type=filters.type)
        return list(held.values("metric", "type").annotate(**{c: Sum(c) for c in CLOCK_COLUMNS}).order_by()
                    .values_list("metric", "type", *CLOCK_COLUMNS))

    counts: dict[str, list[int]] = {}
    key = ("clocks", user.pk, tuple(sites), filters.type, period.since, period.until)
    for metric, type_, *sums in _once(key, by_metric_and_type):
        if not types or type_ in types:
            held_row = counts.setdefault(metric, [0] * len(CLOCK_COLUMNS))
            for i, n in enumerate(sums):
                held_row[i] += n
    reports = outage_report_ids_in(user=user, filters=filters, sites=sites)
    if reports:  # as order_q leaves an outage's reports out
        apart = Q(work_order_id__in=reports) & (Q(work_order__type__in=types) if types else Q())
        for row in _live_sla_by_metric(via=apart, period=period):
            held_row = counts.setdefault(row["metric"], [0] * len(CLOCK_COLUMNS))
            for i, c in enumerate(CLOCK_COLUMNS):
                held_row[i] -= row[c]
    rows = []
    for metric in sorted(counts):
        row = {"metric": metric, **dict(zip(CLOCK_COLUMNS, counts[metric], strict=True))}
        row["attainment"] = attainment(row)
        if row["total"]:
            rows.append(row)
    return rows


def sla_by_metric(*, user: User, filters: ReportFilters) -> list[dict]:
    """E4: promises that started in the period on the filtered orders, per metric, with the metric's name."""
    labels = dict(Metric.choices)
    return [{**row, "label": str(labels.get(row["metric"], row["metric"]))}
            for row in promise_counts(user=user, filters=filters)]


def complaints(*, user: User, filters: ReportFilters, counts: list[dict] | None = None) -> dict:
    """D/H1: complaints received, resolved on time (resolution promise), repeats, per 10,000 customers."""
    counted = [r for r in (order_counts(user=user, filters=filters) if counts is None else counts)
               if r["type"] in COMPLAINT_TYPES]
    row = {"total": sum(r["orders"] for r in counted), "resolved": sum(r["resolved"] for r in counted)}
    row["repeat"] = _repeat_complaints(user=user, filters=filters)
    # the resolution promises of complaints that started in the period (a complaint's starts when it is received)
    timely = next((r for r in promise_counts(user=user, filters=filters, types=tuple(COMPLAINT_TYPES))
                   if r["metric"] == Metric.RESOLUTION), None)
    customers = Customer.objects.filter(site_id__in=(
        [filters.site.id] if filters.site else list(visible_units(user)))).count()
    return {**row, "repeat_rate": _pct(row["repeat"], row["total"]),
            "on_time": timely["met_on_time"] if timely else 0,
            "timeliness": timely["attainment"] if timely else None,
            "per_10k_customers": round(row["total"] * 10_000 / customers, 2) if customers else None,
            "customers": customers,
            "url": queue_url(filters.queue_params(type=filters.type or Type.COMPLAINT))}


def _repeat_complaints(*, user: User, filters: ReportFilters) -> int:
    """Complaints of the period whose customer had complained in the 90 days before: each complaint of the period
    and the 90 days before it, sorted by customer and time, compared with the one before it.

    PostgreSQL does that with a LAG window; SQLite's windows are slow, so there the sorted times are compared here in
    one pass. At a million orders, a month (5k complaints) took 11 ms on SQLite with the window and 6 in the pass, a
    year 73 and 39; on PostgreSQL the pass was 10 ms, the window 5. (A correlated subquery per complaint: 2.4 s at
    100k.)"""
    period = filters.period
    history = (WorkOrder.objects.filter(customer__isnull=False, type__in=COMPLAINT_TYPES,
                                        received_at__gte=period.start - REPEAT_WINDOW, received_at__lt=period.end)
               .filter(order_q(user=user, filters=ReportFilters(period=period, site=filters.site))))
    if connection.vendor == "postgresql":
        sql, params = history.annotate(before=Window(
            Lag("received_at"), partition_by=[F("customer_id")], order_by=[F("received_at").asc(), F("id").asc()])
        ).values("received_at", "before", "type").order_by().query.sql_with_params()
        sql = (f"SELECT COUNT(*) FROM ({sql}) complaints WHERE received_at >= %s AND received_at - before <= %s"
               + (" AND type = %s" if filters.type else ""))
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, period.start, REPEAT_WINDOW, *([filters.type] if filters.type else [])])
            return cursor.fetchone()[0]
    sql, params = history.annotate(t=Epoch("received_at")).values_list("customer_id", "t", "type").order_by(
        "customer_id", "received_at", "id").query.sql_with_params()
    start, window = period.start.timestamp(), REPEAT_WINDOW.total_seconds()
    repeats, previous, before = 0, None, 0.0
    with connection.cursor() as cursor:  # the raw rows: no model or datetime conversion for thousands of them
        cursor.execute(sql, params)
        for customer, t, kind in cursor.fetchall():
            if (customer == previous and t >= start and t - before <= window
                    and (not filters.type or kind == filters.type)):
                repeats += 1
            previous, before = customer, t
    return repeats


def service_quality(*, user: User, filters: ReportFilters, counts: list[dict] | None = None) -> dict:
    """Urge rate, first-contact resolution, revisit coverage and CSI for the period."""
    counted = order_counts(user=user, filters=filters) if counts is None else counts
    row = {m: sum(r[m] for r in counted) for m in MEASURES}
    row["total"] = row["orders"]
    on_the_spot = 0 if filters.type else contact_counts(user=user, filters=filters)["on_the_spot"]
    cover = revisit_counts(user=user, filters=filters)
    return {
        "orders": row["total"], "urged": row["urged"], "urge_rate": _pct(row["urged"], row["total"]),
        "urged_url": queue_url(filters.queue_params(urged="1")),
        "resolved": row["resolved"] + on_the_spot, "first_time": row["first_time"] + on_the_spot,
        "on_the_spot": on_the_spot,
        "fcr": _pct(row["first_time"] + on_the_spot, row["resolved"] + on_the_spot),
        "revisits_due": cover["due"], "revisits_on_time": cover["on_time"],
        "revisit_coverage": _pct(cover["on_time"], cover["due"]),
        "scores": cover["scores"], "csi": csi_of(cover["score_sum"], cover["scores"]),
    }


REVISIT_MEASURES = ("due", "on_time", "scores", "score_sum")


def _live_revisit_counts(*, via: Q, period: Period) -> dict:
    """Revisits due in the period and done by then; scores given in it (revisits done, customers' own ratings)."""
    done = Q(status=Revisit.Status.DONE, overall__isnull=False, done_at__gte=period.start, done_at__lt=period.end)
    cover = Revisit.objects.filter(via, due_at__gte=period.start, due_at__lt=period.end).aggregate(
        due=Count("id"), on_time=Count("id", filter=Q(status=Revisit.Status.DONE, done_at__lte=F("due_at"))))
    scored = Revisit.objects.filter(via, done).aggregate(n=Count("id"), total=Sum("overall"))
    rated = SelfRating.objects.filter(via, created_at__gte=period.start, created_at__lt=period.end).aggregate(
        n=Count("id"), total=Sum("overall"))
    return {"due": cover["due"], "on_time": cover["on_time"], "scores": scored["n"] + rated["n"],
            "score_sum": (scored["total"] or 0) + (rated["total"] or 0)}


def revisit_counts(*, user: User, filters: ReportFilters) -> dict:
    """F1 coverage and F6 CSI's parts for the period: revisits due and done on time, scores and their sum.

    From the rollups when the viewer sees whole sites (a year is 100k+ revisits, each needing its order's site: 250 ms
    a figure at 1 M); counted live for someone who sees only their own orders. Tested to agree (test_rollups)."""
    period = filters.period
    if not user.has_perm("workorders.view_team_orders"):
        return _live_revisit_counts(via=order_q(user=user, filters=filters, via="work_order__"), period=period)
    sites = _scope_site_ids(user, filters)
    out = dict.fromkeys(REVISIT_MEASURES, 0)
    if sites:  # both rollups in one statement
        where, params = _rollup_where(sites, filters)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT SUM(due), SUM(on_time), 0, 0 FROM {RevisitRollup._meta.db_table} WHERE {where} "
                           f"UNION ALL SELECT 0, 0, SUM(scores), SUM(score_sum) FROM {ScoreRollup._meta.db_table} "
                           f"WHERE {where}", params * 2)
            for row in cursor.fetchall():
                for m, n in zip(REVISIT_MEASURES, row, strict=True):
                    out[m] += int(n or 0)
    # what belongs to an outage's reports (other than its field order) is left out, as order_q leaves those orders
    reports = outage_report_ids_in(user=user, filters=filters, sites=sites)
    if reports:
        apart = _live_revisit_counts(via=Q(work_order_id__in=reports), period=period)
        out = {m: out[m] - apart[m] for m in REVISIT_MEASURES}
    return out


def _site_ids(user: User, filters: ReportFilters) -> list[int]:
    return [filters.site.id] if filters.site else list(visible_units(user))


def type_statistics(*, user: User, filters: ReportFilters) -> dict:
    """S3 篇9 (95598): each request type's count, its share of all requests and of all contacts.

    All contacts = orders (each came from one contact, whatever the channel) + contacts that chased an
    existing order (催办, linked rather than a new order) + contacts that created no order (answered on the
    spot or still open). So the type rows add up to the requests, and with the two contact rows to the contacts.
    """
    counts = Counter()
    with custom_plans():
        for row in order_counts(user=user, filters=filters, keys=("type",)):
            counts[row["type"]] += row["orders"]
        if filters.type:
            urges = no_order = 0
        else:
            contacts = contact_counts(user=user, filters=filters)
            urges, no_order = contacts["urges"], contacts["no_order"]
    requests = sum(counts.values())
    all_contacts = requests + urges + no_order
    rows = [{"key": t, "label": str(label), "n": counts.get(t, 0), "share_requests": _pct(counts.get(t, 0), requests),
             "share_contacts": _pct(counts.get(t, 0), all_contacts),
             "url": queue_url(filters.queue_params(type=t))}
            for t, label in Type.choices if not filters.type or t == filters.type]
    return {"rows": rows, "requests": requests, "urges": urges, "no_order": no_order, "contacts": all_contacts,
            "urges_share": _pct(urges, all_contacts), "no_order_share": _pct(no_order, all_contacts),
            "requests_share": _pct(requests, all_contacts)}


def dashboard(*, user: User, filters: ReportFilters) -> dict:
    with read_once():
        counts = order_counts_by(user=user, filters=filters)  # read once, shared by three figures
        return {"volume": volume(user=user, filters=filters, counts=counts),
                "backlog": backlog(user=user, filters=filters),
                "sla": sla_by_metric(user=user, filters=filters),
                "complaints": complaints(user=user, filters=filters, counts=counts["type"]),
                "quality": service_quality(user=user, filters=filters, counts=counts["type"])}
