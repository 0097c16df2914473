"""Readers for SLA: the calendar of a site, the policy for an order, an order's clocks."""

from datetime import date, timedelta
from functools import lru_cache

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.roles import Role
from anxin.core.errors import NotFound
from anxin.core.sqlplans import custom_plans
from anxin.sla.calendar import ALWAYS_OPEN, DEFAULT_HOURS, BusinessCalendar, parse_hours
from anxin.sla.models import (
    BusinessHours,
    CalendarOverride,
    Clock,
    ClockKind,
    Commitment,
    Metric,
    PublishedYear,
    SlaPolicy,
)
from anxin.workorders.models import WorkOrder
from anxin.workorders.selectors import workorder_qs_for


def calendar_for(site_id: int | None, kind: str = ClockKind.BUSINESS) -> BusinessCalendar:
    """The site's business calendar (its hours, else the default row, else 08:30-12:00,13:30-17:30)."""
    if kind == ClockKind.ALWAYS:
        return ALWAYS_OPEN
    hours = (BusinessHours.objects.filter(site_id=site_id).values_list("hours", flat=True).first()
             or BusinessHours.objects.filter(site__isnull=True).values_list("hours", flat=True).first()
             or DEFAULT_HOURS)
    overrides: dict[date, bool] = {}
    # site-wide rows first, then the site's own, so a site override wins
    for row in CalendarOverride.objects.filter(site__isnull=True).order_by("starts_on"):
        _spread(overrides, row)
    for row in CalendarOverride.objects.filter(site_id=site_id).order_by("starts_on"):
        _spread(overrides, row)
    years = frozenset(PublishedYear.objects.values_list("year", flat=True))
    return BusinessCalendar(periods=parse_hours(hours), overrides=overrides, published_years=years)


def _spread(overrides: dict[date, bool], row: CalendarOverride) -> None:
    day = row.starts_on
    while day <= row.ends_on:
        overrides[day] = row.is_workday
        day += timedelta(days=1)


class CalendarCache:
    """One calendar per (site, clock kind) for the length of a sweep."""

    def __init__(self):
        self.get = lru_cache(maxsize=256)(calendar_for)


def policy_for(order: WorkOrder, metric: str, policies: list[SlaPolicy] | None = None) -> SlaPolicy | None:
    """E1: the most specific active policy for tier × type × priority (blank matches any)."""
    tier = order.customer.tier if order.customer_id else ""
    best, best_score = None, -1
    for p in policies if policies is not None else SlaPolicy.objects.filter(is_active=True, metric=metric):
        if p.metric != metric or not p.is_active:
            continue
        if (p.tier and p.tier != tier) or (p.type and p.type != order.type) or (p.priority and p.priority != order.priority):
            continue
        score = bool(p.tier) * 4 + bool(p.type) * 2 + bool(p.priority)
        if score > best_score:
            best, best_score = p, score
    return best


def ladder_step_label(step: str) -> str:
    """A ladder step as the timeline names it (the policy stores codes: owner, dept_head, …)."""
    labels = {"owner": _("Owner"), "dept_head": Role.DEPT_HEAD.label, "service_manager": Role.SERVICE_MANAGER.label,
              "general_manager": _("General manager")}
    return str(labels.get(step, step))


def ladder_recipients(*, order: WorkOrder, step: str) -> list[User]:
    """Who stands at one step of the ladder for this order's site (E4)."""
    if step == "owner":
        return [u for u in (order.owner or order.taken_by,) if u is not None]
    site = OrgUnit.objects.get(pk=order.site_id)
    ancestors = site.ancestor_ids
    group = {"dept_head": "dept_head", "service_manager": "service_manager",
             "general_manager": "administrator"}.get(step)
    if group is None:
        return []
    return list(User.objects.filter(is_active=True, groups__name=group, org_unit_id__in=ancestors))


def commitments_for_order(*, order: WorkOrder) -> list[Commitment]:
    return list(order.commitments.select_related("owner"))


def commitments_open_for(*, user: User) -> list[Commitment]:
    """E5: the user's open promises, soonest due first (only on orders the user may still see)."""
    return list(Commitment.objects.filter(owner=user, outcome=Commitment.Outcome.OPEN,
                                          work_order__in=workorder_qs_for(user))
                .select_related("work_order").order_by("due_at"))


def commitment_get_for(*, user: User, pk: int) -> Commitment:
    found = (Commitment.objects.filter(pk=pk, work_order__in=workorder_qs_for(user))
             .select_related("work_order").first())
    if found is None:
        raise NotFound()
    return found


def promise_state(*, order: WorkOrder, now=None) -> tuple[bool, object] | None:
    """(within promise?, due) from the order's clocks; None when it has no running or broken clock yet.

    Broken if any clock breached; otherwise within, with the earliest due time of the running clocks.
    """
    from django.utils import timezone

    now = now or timezone.now()
    clocks = [c for c in order.clocks.all() if c.state in (Clock.State.RUNNING, Clock.State.BREACHED,
                                                           Clock.State.PAUSED)]
    if not clocks:
        return None
    if any(c.state == Clock.State.BREACHED or (c.due_at and c.due_at < now) for c in clocks):
        return False, min((c.due_at for c in clocks if c.due_at), default=None)
    return True, min((c.due_at for c in clocks if c.due_at), default=None)


def attainment_counts(clocks: QuerySet, group: list[str]) -> list[dict]:
    """Promises counted so that every one is in exactly one column (they add up to the total):
    met on time + met late + broken (not met, past due) + still open (running or paused, not yet broken).
    Attainment = met on time ÷ (total − still open), i.e. of the promises that have ended or are broken.
    Stopped clocks (order cancelled) are not counted. One row per value of `group` (one row in all for []).
    """
    met = Q(state=Clock.State.MET)
    on_time = met & Q(breached_at__isnull=True) & (Q(due_at__isnull=True) | Q(met_at__lte=F("due_at")))
    still_open = Q(state__in=[Clock.State.RUNNING, Clock.State.PAUSED], breached_at__isnull=True)
    counts = {"total": Count("id"), "met_on_time": Count("id", filter=on_time),
              "met_late": Count("id", filter=met & ~on_time), "breached": Count("id", filter=~met & ~still_open),
              "open": Count("id", filter=still_open)}
    clocks = clocks.exclude(state=Clock.State.STOPPED)
    rows = (list(clocks.values(*group).annotate(**counts).order_by(*group)) if group
            else [clocks.aggregate(**counts)])
    for row in rows:
        row["attainment"] = attainment(row)
    return [row for row in rows if row["total"]]


def attainment(row: dict) -> float | None:
    """Met on time ÷ the promises that have ended or are broken (all but the still open), 0–100."""
    ended = row["total"] - row["open"]
    return round(100 * row["met_on_time"] / ended, 1) if ended else None


@custom_plans()  # a period of rows: planned for its own dates (core.sqlplans)
def attainment_report(*, user: User, since, until) -> list[dict]:
    """E4/H1: per site and metric, the promises that started in the period, within the user's scope."""
    qs = Clock.objects.filter(work_order__in=workorder_qs_for(user), started_at__gte=since, started_at__lt=until)
    labels = dict(Metric.choices)
    return [{**row, "site": row["work_order__site__name"], "metric": labels[row["metric"]]}
            for row in attainment_counts(qs, ["work_order__site__name", "metric"])]
