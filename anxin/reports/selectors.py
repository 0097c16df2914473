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
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, DateField, Exists, F, Func, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import scope_filter, visible_units
from anxin.customers.models import Customer
from anxin.intake.models import ContactLog
from anxin.reports.periods import SHANGHAI, Period, bucket_start, buckets
from anxin.revisits.indices import csi
from anxin.revisits.models import Revisit, SelfRating
from anxin.sla.models import Metric
from anxin.sla.selectors import attainment_counts
from anxin.workorders.models import Channel, WorkOrder, WorkOrderEvent
from anxin.workorders.states import FAMILY_OF, OPEN_STATUSES, Family, Status, Type

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


def queue_url(params: dict) -> str:
    return f"{reverse('workorders:queue')}?{urlencode(params)}"


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


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def order_q(*, user: User, filters: ReportFilters, via: str = "") -> Q:
    """The viewer's scope (as `workorder_qs_for`), site and type as a condition on an order reached through `via`
    (e.g. "work_order__"): a join. `work_order__in=<orders>` would make SQLite list the whole scope's ids first."""
    q = scope_filter(user, site_field=f"{via}site", owner_field=f"{via}owner")
    # A11: a mass outage counts once, as its field order; its other reports are counted apart (`volume`)
    q &= Q(**{f"{via}incident__isnull": True}) | Q(**{f"{via}incident__field_order_id": F(f"{via}id")})
    if filters.site:
        q &= Q(**{f"{via}site_id": filters.site.id})
    if filters.type:
        q &= Q(**{f"{via}type": filters.type})
    return q


def scoped_orders(*, user: User, filters: ReportFilters) -> QuerySet[WorkOrder]:
    """Orders of the viewer's scope, narrowed by site and type (not by period)."""
    return WorkOrder.objects.filter(order_q(user=user, filters=filters))


def _in_period(qs: QuerySet, period: Period, field: str = "received_at") -> QuerySet:
    return qs.filter(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def volume(*, user: User, filters: ReportFilters) -> dict:
    """Orders received in the period by type, channel, site and time bucket — one grouped query."""
    rows = (_in_period(scoped_orders(user=user, filters=filters), filters.period)
            .annotate(day=BeijingDay("received_at"))
            .values("day", "type", "channel", "site_id").annotate(n=Count("id")).order_by())
    by_type, by_channel, by_site, by_day = Counter(), Counter(), Counter(), Counter()
    for row in rows:
        by_type[row["type"]] += row["n"]
        by_channel[row["channel"]] += row["n"]
        by_site[row["site_id"]] += row["n"]
        by_day[row["day"]] += row["n"]
    total = sum(by_type.values())
    units = visible_units(user)
    by_bucket = Counter()
    for day, n in by_day.items():
        by_bucket[bucket_start(day, filters.grain)] += n
    type_labels, channel_labels = dict(Type.choices), dict(Channel.choices)

    def share(n):
        return _pct(n, total)

    outage = _in_period(WorkOrder.objects.filter(
        scope_filter(user), incident__isnull=False).exclude(incident__field_order_id=F("id")), filters.period)
    if filters.site:
        outage = outage.filter(site_id=filters.site.id)
    if filters.type:
        outage = outage.filter(type=filters.type)
    outage = outage.aggregate(reports=Count("id"), incidents=Count("incident_id", distinct=True))
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


def backlog(*, user: User, filters: ReportFilters, now: datetime | None = None) -> dict:
    """Open orders now, by age in whole days since they were received (day buckets match the queue's dates)."""
    today = timezone.localtime(now or timezone.now(), SHANGHAI).date()

    def midnight(days_ago: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_ago), time.min, SHANGHAI)

    # (key, received on or after, received before) in days ago; None = open end
    ages = [("today", 0, None), ("1-3", 3, 0), ("4-7", 7, 3), ("8-30", 30, 7), ("30+", None, 30)]
    labels = {"today": _("Today"), "1-3": _("1–3 days ago"), "4-7": _("4–7 days ago"), "8-30": _("8–30 days ago"),
              "30+": _("More than 30 days ago")}
    counts = {}
    for key, oldest, newest in ages:
        q = Q()
        if oldest is not None:
            q &= Q(received_at__gte=midnight(oldest))
        if newest is not None:
            q &= Q(received_at__lt=midnight(newest))
        counts[key] = Count("id", filter=q)
    open_orders = scoped_orders(user=user, filters=filters).filter(status__in=OPEN_STATUSES)
    row = open_orders.aggregate(total=Count("id"), **counts)
    base = {"status": "open", **({"site": filters.site.code} if filters.site else {}),
            **({"type": filters.type} if filters.type else {})}
    out = []
    for key, oldest, newest in ages:
        params = dict(base)
        if oldest is not None:
            params["received_from"] = (today - timedelta(days=oldest)).isoformat()
        if newest is not None:
            params["received_to"] = (today - timedelta(days=newest + 1)).isoformat()
        out.append({"key": key, "label": str(labels[key]), "n": row[key], "url": queue_url(params)})
    return {"total": row["total"], "ages": out, "url": queue_url(base)}


def sla_by_metric(*, user: User, filters: ReportFilters) -> list[dict]:
    """E4: promises that started in the period on the filtered orders, per metric."""
    from anxin.sla.models import Clock

    clocks = Clock.objects.filter(order_q(user=user, filters=filters, via="work_order__"),
                                  started_at__gte=filters.period.start, started_at__lt=filters.period.end)
    labels = dict(Metric.choices)
    return [{**row, "label": str(labels.get(row["metric"], row["metric"]))}
            for row in attainment_counts(clocks, ["metric"])]


def complaints(*, user: User, filters: ReportFilters) -> dict:
    """D/H1: complaints received, resolved on time (resolution promise), repeats, per 10,000 customers."""
    from anxin.sla.models import Clock

    period = filters.period
    orders = _in_period(scoped_orders(user=user, filters=filters), period).filter(type__in=COMPLAINT_TYPES)
    row = orders.aggregate(total=Count("id"), resolved=Count("id", filter=Q(resolved_at__isnull=False)))
    # A repeat: the same customer complained in the 90 days before. The complaints of the period and of the 90 days
    # before it are few; one read and a pass in Python beat a correlated subquery per complaint (2.4 s at 100k).
    history = (WorkOrder.objects.filter(customer__isnull=False, type__in=COMPLAINT_TYPES,
                                        received_at__gte=period.start - REPEAT_WINDOW, received_at__lt=period.end)
               .filter(order_q(user=user, filters=ReportFilters(period=period, site=filters.site)))
               .values_list("customer_id", "received_at", "type").order_by("customer_id", "received_at"))
    last_seen: dict[int, object] = {}
    repeat = 0
    for customer_id, received, type in history:
        previous = last_seen.get(customer_id)
        counted = received >= period.start and (not filters.type or type == filters.type)
        if counted and previous is not None and received - previous <= REPEAT_WINDOW:
            repeat += 1
        last_seen[customer_id] = received
    row["repeat"] = repeat
    [timely] = attainment_counts(Clock.objects.filter(
        order_q(user=user, filters=filters, via="work_order__"), work_order__type__in=COMPLAINT_TYPES,
        work_order__received_at__gte=period.start, work_order__received_at__lt=period.end,
        metric=Metric.RESOLUTION), []) or [None]
    customers = Customer.objects.filter(site_id__in=(
        [filters.site.id] if filters.site else list(visible_units(user)))).count()
    return {**row, "repeat_rate": _pct(row["repeat"], row["total"]),
            "on_time": timely["met_on_time"] if timely else 0,
            "timeliness": timely["attainment"] if timely else None,
            "per_10k_customers": round(row["total"] * 10_000 / customers, 2) if customers else None,
            "customers": customers,
            "url": queue_url(filters.queue_params(type=filters.type or Type.COMPLAINT))}


def service_quality(*, user: User, filters: ReportFilters) -> dict:
    """Urge rate, first-contact resolution, revisit coverage and CSI for the period."""
    period = filters.period
    orders = _in_period(scoped_orders(user=user, filters=filters), period)
    reopened = WorkOrderEvent.objects.filter(
        work_order_id=OuterRef("pk"), type=WorkOrderEvent.Type.TRANSITIONED,
        from_status__in=[Status.RESOLVED, Status.CLOSED], to_status__in=list(OPEN_STATUSES))
    row = orders.aggregate(
        total=Count("id"), urged=Count("id", filter=Q(urge_count__gt=0)),
        resolved=Count("id", filter=Q(resolved_at__isnull=False)),
        first_time=Count("id", filter=Q(resolved_at__isnull=False, urge_count=0) & ~Q(Exists(reopened))))
    contacts = _in_period(ContactLog.objects.filter(site_id__in=_site_ids(user, filters)), period)
    on_the_spot = 0 if filters.type else contacts.filter(work_order__isnull=True, done_at__isnull=False).count()
    via = order_q(user=user, filters=filters, via="work_order__")
    revisits = Revisit.objects.filter(via, due_at__gte=period.start, due_at__lt=period.end)
    cover = revisits.aggregate(due=Count("id"), on_time=Count("id", filter=Q(status=Revisit.Status.DONE,
                                                                             done_at__lte=F("due_at"))))
    scores = list(Revisit.objects.filter(via, status=Revisit.Status.DONE, overall__isnull=False,
                                         done_at__gte=period.start, done_at__lt=period.end)
                  .values_list("overall", flat=True))
    scores += list(SelfRating.objects.filter(via, created_at__gte=period.start,
                                             created_at__lt=period.end).values_list("overall", flat=True))
    return {
        "orders": row["total"], "urged": row["urged"], "urge_rate": _pct(row["urged"], row["total"]),
        "urged_url": queue_url(filters.queue_params(urged="1")),
        "resolved": row["resolved"] + on_the_spot, "first_time": row["first_time"] + on_the_spot,
        "on_the_spot": on_the_spot,
        "fcr": _pct(row["first_time"] + on_the_spot, row["resolved"] + on_the_spot),
        "revisits_due": cover["due"], "revisits_on_time": cover["on_time"],
        "revisit_coverage": _pct(cover["on_time"], cover["due"]),
        "scores": len(scores), "csi": csi(scores),
    }


def _site_ids(user: User, filters: ReportFilters) -> list[int]:
    return [filters.site.id] if filters.site else list(visible_units(user))


def type_statistics(*, user: User, filters: ReportFilters) -> dict:
    """S3 篇9 (95598): each request type's count, its share of all requests and of all contacts.

    All contacts = orders (each came from one contact, whatever the channel) + contacts that chased an
    existing order (催办, linked rather than a new order) + contacts that created no order (answered on the
    spot or still open). So the type rows add up to the requests, and with the two contact rows to the contacts.
    """
    period = filters.period
    counts = dict(_in_period(scoped_orders(user=user, filters=filters), period)
                  .values_list("type").annotate(n=Count("id")).order_by())
    requests = sum(counts.values())
    contacts = _in_period(ContactLog.objects.filter(site_id__in=_site_ids(user, filters)), period)
    if filters.type:
        urges = no_order = 0
    else:
        extra = contacts.aggregate(urges=Count("id", filter=Q(is_urge=True)),
                                   no_order=Count("id", filter=Q(work_order__isnull=True)))
        urges, no_order = extra["urges"], extra["no_order"]
    all_contacts = requests + urges + no_order
    rows = [{"key": t, "label": str(label), "n": counts.get(t, 0), "share_requests": _pct(counts.get(t, 0), requests),
             "share_contacts": _pct(counts.get(t, 0), all_contacts),
             "url": queue_url(filters.queue_params(type=t))}
            for t, label in Type.choices if not filters.type or t == filters.type]
    return {"rows": rows, "requests": requests, "urges": urges, "no_order": no_order, "contacts": all_contacts,
            "urges_share": _pct(urges, all_contacts), "no_order_share": _pct(no_order, all_contacts),
            "requests_share": _pct(requests, all_contacts)}


def dashboard(*, user: User, filters: ReportFilters) -> dict:
    return {"volume": volume(user=user, filters=filters), "backlog": backlog(user=user, filters=filters),
            "sla": sla_by_metric(user=user, filters=filters), "complaints": complaints(user=user, filters=filters),
            "quality": service_quality(user=user, filters=filters)}

