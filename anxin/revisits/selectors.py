from datetime import datetime

from django.db.models import Avg, Count, F, Q
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.accounts.scope import visible_unit_ids
from anxin.core.errors import DomainError, ErrorCode, NotFound
from anxin.customers.selectors import customer_search
from anxin.revisits.models import Panel, PanelSurvey, Revisit
from anxin.workorders.selectors import workorder_qs_for


def revisit_list_for(*, user: User, limit: int = 200) -> list[Revisit]:
    """Pending revisits in the user's scope: the next call due first."""
    return list(Revisit.objects.filter(work_order__in=workorder_qs_for(user), status=Revisit.Status.PENDING)
                .select_related("work_order", "work_order__customer").order_by("next_call_at", "due_at")[:limit])


def revisit_get_for(*, user: User, pk: int) -> Revisit:
    found = (Revisit.objects.filter(pk=pk, work_order__in=workorder_qs_for(user))
             .select_related("work_order", "work_order__customer", "work_order__owner").first())
    if found is None:
        raise NotFound()
    return found


def coverage_for(*, user: User, since: datetime, until: datetime) -> dict:
    """F1: revisited within the 3-day limit ÷ revisits due in the period (target 100 %)."""
    row = (Revisit.objects.filter(work_order__in=workorder_qs_for(user), due_at__gte=since, due_at__lt=until)
           .aggregate(due=Count("id"), on_time=Count("id", filter=Q(status=Revisit.Status.DONE,
                                                                    done_at__lte=F("due_at")))))
    row["percent"] = round(100 * row["on_time"] / row["due"], 1) if row["due"] else None
    return row


def csi_by(*, user: User, since: datetime, until: datetime, group: str = "site") -> list[dict]:
    """F6: CSI per site or per order type for overall scores given in the period (revisits + own ratings)."""
    from anxin.revisits.indices import csi
    from anxin.revisits.models import SelfRating

    key = {"site": "work_order__site__name", "type": "work_order__type"}[group]
    orders = workorder_qs_for(user)
    buckets: dict[str, list[int]] = {}
    for name, score in (Revisit.objects.filter(work_order__in=orders, status=Revisit.Status.DONE,
                                               done_at__gte=since, done_at__lt=until).values_list(key, "overall")):
        buckets.setdefault(name, []).append(score)
    for name, score in (SelfRating.objects.filter(work_order__in=orders, created_at__gte=since, created_at__lt=until)
                        .values_list(key, "overall")):
        buckets.setdefault(name, []).append(score)
    return [{"group": name, "n": len(v), "csi": csi(v)} for name, v in sorted(buckets.items())]


def panels_for(*, user: User) -> list:
    return list(Panel.objects.filter(site_id__in=visible_unit_ids(user)).select_related("site"))


def panel_get_for(*, user: User, pk: int):
    panel = Panel.objects.filter(pk=pk, site_id__in=visible_unit_ids(user)).select_related("site").first()
    if panel is None:
        raise NotFound()
    return panel


def panel_members(*, panel) -> list:
    return list(panel.members.filter(removed_at__isnull=True).select_related("customer"))


def panel_member_get(*, panel, pk: int):
    member = panel.members.filter(pk=pk, removed_at__isnull=True).select_related("panel__site").first()
    if member is None:
        raise NotFound()
    return member


def panel_surveys_open(*, panel, quarter: str) -> list:
    return list(PanelSurvey.objects.filter(member__panel=panel, quarter=quarter, status=Revisit.Status.PENDING)
                .select_related("member__customer"))


def panel_survey_get(*, panel, pk: int):
    survey = PanelSurvey.objects.filter(pk=pk, member__panel=panel).select_related("member__panel__site").first()
    if survey is None:
        raise NotFound()
    return survey


def panel_trend(*, panel) -> list[dict]:
    """F5: per quarter, the average of each aspect over the surveys done (and how many), oldest first; each
    aspect's change against the quarter before."""
    aspects = ("timeliness", "attitude", "quality", "price", "overall")
    rows = (PanelSurvey.objects.filter(member__panel=panel, status=Revisit.Status.DONE).values("quarter")
            .annotate(n=Count("id"), **{a: Avg(a) for a in aspects}).order_by("quarter"))
    trend, previous = [], None
    for row in rows:
        item = {"quarter": row["quarter"], "n": row["n"]}
        for a in aspects:
            value = None if row[a] is None else round(float(row[a]), 2)
            item[a] = value
            item[f"{a}_change"] = None if previous is None or value is None or previous[a] is None \
                else round(value - previous[a], 2)
        item["cells"] = [(item[a], item[f"{a}_change"]) for a in aspects]
        trend.append(item)
        previous = item
    return trend


def panel_candidate(*, user: User, panel, query: str):
    """The one customer of the panel's site that `query` (name, phone, last four digits) finds; ambiguity is an
    error, never a guess."""
    found = [c for c in customer_search(user=user, query=query, limit=20) if c.site_id == panel.site_id]
    if not found:
        raise DomainError(ErrorCode.INVALID, _("No customer of this site matches."), {"field": "q"})
    if len(found) > 1:
        raise DomainError(ErrorCode.INVALID, _("%(n)d customers match; type more of the name or the full phone.")
                          % {"n": len(found)}, {"field": "q"})
    return found[0]


def rating_already_given(*, public_id=None, order_id: int | None = None) -> bool:
    """Has the order behind a (valid) rating link already been rated? The link then says so at once."""
    from anxin.revisits.models import SelfRating

    if order_id is not None:  # the order is at hand: no join to find it again
        return SelfRating.objects.filter(work_order_id=order_id).exists()
    return SelfRating.objects.filter(work_order__public_id=public_id).exists()
