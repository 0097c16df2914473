"""A11 readers: the incidents a viewer may see, one incident's page, the incidents covering a caller."""

from collections import Counter
from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import User
from anxin.accounts.scope import scope_filter
from anxin.core.errors import NotFound
from anxin.customers.models import Customer
from anxin.notifications.models import Notification
from anxin.workorders.models import Incident, WorkOrder


def incidents_for(*, user: User, limit: int = 100) -> list[Incident]:
    qs = Incident.objects.filter(scope_filter(user, owner_field=None)).select_related("site", "category", "owner")
    return list(qs.annotate(report_count=Count("reports")).order_by("-created_at")[:limit])


def incident_get_for(*, user: User, public_id: UUID | str) -> Incident:
    try:
        UUID(str(public_id))
    except ValueError as exc:
        raise NotFound() from exc
    incident = (Incident.objects.filter(scope_filter(user, owner_field=None), public_id=public_id)
                .select_related("site", "category", "owner", "field_order", "decided_by", "raised_by").first())
    if incident is None or not user.has_perm("workorders.view_team_orders"):
        raise NotFound()
    return incident


MESSAGE_LABELS = {"incident_confirmed": _("Outage confirmed"), "incident_eta": _("New estimated time"),
                  "incident_restored": _("Restored")}


@dataclass
class IncidentPage:
    incident: Incident
    reports: list[WorkOrder]  # oldest first: the timeline of calls
    by_street: list[tuple[str, int]]
    messages: list[dict]  # per event kind: sent, waiting, failed


def incident_page(*, incident: Incident) -> IncidentPage:
    reports = list(incident.reports.select_related("customer").order_by("received_at", "id"))
    by_street = Counter(r.customer.street or "—" for r in reports if r.customer_id)
    sent = (Notification.objects.filter(dedupe_key__startswith=f"incident:{incident.pk}:")
            .values("kind", "state").annotate(n=Count("id")).order_by("kind"))
    messages: dict[str, dict] = {}
    for row in sent:
        messages.setdefault(row["kind"], {"kind": row["kind"], "label": MESSAGE_LABELS.get(row["kind"], row["kind"]),
                                          "total": 0})
        messages[row["kind"]][row["state"]] = row["n"]
        messages[row["kind"]]["total"] += row["n"]
    return IncidentPage(incident=incident, reports=reports, by_street=by_street.most_common(),
                        messages=list(messages.values()))


def incidents_covering(*, customer: Customer | None, restored_since=None) -> list[Incident]:
    """Open incidents whose area takes in this customer's address (the new-call screen shows them at once); with
    `restored_since`, the ones restored since then instead (a caller may say it is still out)."""
    if customer is None or not customer.district:
        return []
    qs = Incident.objects.filter(Q(street=customer.street) | Q(street=""), site_id=customer.site_id,
                                 district=customer.district).select_related("category")
    if restored_since is not None:
        return list(qs.filter(status=Incident.Status.RESTORED, restored_at__gte=restored_since))
    return list(qs.filter(status__in=(Incident.Status.SUSPECTED, Incident.Status.CONFIRMED)))
