"""A3/A7/A4: the new-call screen's one action — log the contact, then chase an open order or open a new one."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import User
from anxin.accounts.selectors import orgunit_get_for
from anxin.core.errors import DomainError, ErrorCode
from anxin.customers.models import Asset, Customer
from anxin.intake.counter_services import ticket_finish
from anxin.intake.models import ContactLog, CounterTicket
from anxin.intake.selectors import contactlog_by_token
from anxin.intake.services import (
    CONTACT_FIELDS,
    contactlog_create,
    contactlog_create_order,
    contactlog_link_urge,
)
from anxin.knowledge.services import articles_used_on_order
from anxin.search.classify_services import suggestion_record
from anxin.workorders import selectors as wo_selectors
from anxin.workorders.incident_selectors import incidents_covering
from anxin.workorders.incident_services import report_after_restore
from anxin.workorders.models import Incident, WorkOrder


@dataclass(frozen=True)
class CallTaken:
    """What one submit of the new-call screen did."""

    log: ContactLog | None  # None when only duplicates were offered
    order: WorkOrder | None = None  # the order created, or the one the contact chased
    urged: bool = False
    repeat: bool = False  # a double submit: the first submit's result, nothing new written
    duplicates: list[WorkOrder] = field(default_factory=list)  # A7: offered instead of a new order
    incident: Incident | None = None  # A11: the report joined this outage


def call_take(*, actor: User, data: dict, action: str, customer: Customer | None = None, asset: Asset | None = None,
              force_new: bool = False, ticket: CounterTicket | None = None, used_articles: list[str] = (),
              suggested: dict | None = None) -> CallTaken:
    """A3/A7/A4: one submit of the new-call screen, in one transaction.

    `data` is the new-call form's cleaned data; `action` is "log", "order", "urge:<order public id>",
    "incident:<incident public id>" (a report of the outage the caller's address is in) or "still_out:<incident
    public id>" (restored, but not for this caller: an ordinary order naming it). With
    "order", an open order of the same customer on the same matter is offered instead (nothing written) unless
    `force_new`. The call log, the order or urge link, the counter ticket and the knowledge/classification records
    are written together: if any step fails, nothing is kept.
    """
    if (first := contactlog_by_token(user=actor, token=data["token"])) is not None:
        return CallTaken(log=first, order=first.work_order, urged=first.is_urge, repeat=True)
    if action == "order" and customer is not None and not force_new:
        dupes = wo_selectors.possible_duplicates(
            user=actor, customer_id=customer.id, asset_id=asset.id if asset else None,
            category_id=data["order_category"].id if data.get("order_category") else None)
        if dupes:
            return CallTaken(log=None, duplicates=list(dupes))
    urge_of = incident = restored = None
    if action.startswith("urge:"):
        urge_of = wo_selectors.workorder_get_for(user=actor, public_id=action.split(":", 1)[1])
    elif action.startswith("incident:"):
        # A11: one click logs the call as a report of the outage the caller's address is in
        incident = next((i for i in incidents_covering(customer=customer)
                         if str(i.public_id) == action.split(":", 1)[1]), None)
        if incident is None:
            raise DomainError(ErrorCode.CONFLICT, _("This outage is over or does not cover the caller's address."),
                              status=409)
    elif action.startswith("still_out:"):
        # A11: the outage was restored but not for this caller: an ordinary order that names the incident
        restored = next((i for i in incidents_covering(customer=customer, restored_since=timezone.now()
                                                       - timedelta(hours=24))
                         if str(i.public_id) == action.split(":", 1)[1]), None)
        if restored is None:
            raise DomainError(ErrorCode.CONFLICT, _("This outage is over or does not cover the caller's address."),
                              status=409)
    elif action not in ("log", "order"):
        raise DomainError(ErrorCode.INVALID, _("Unknown action."), {"field": "action"})
    site = customer.site if customer else orgunit_get_for(user=actor, code=data["site"])
    with transaction.atomic():
        log = contactlog_create(
            actor=actor, site=site, category=data["category"], content=data["content"], customer=customer,
            phone=data["phone"], channel=data["channel"], requested_visit_at=data["requested_visit_at"],
            done=data["done"], client_token=data["token"],
            **{f: data[f] for f in CONTACT_FIELDS},
        )
        if ticket is not None:
            ticket_finish(actor=actor, ticket=ticket, content="", log=log)
        if urge_of is not None:
            return CallTaken(log=log, order=contactlog_link_urge(log=log, order=urge_of, actor=actor), urged=True)
        if action == "log":
            return CallTaken(log=log)
        if incident is not None:
            order = contactlog_create_order(
                log=log, actor=actor, type="repair", category=incident.category, asset=asset,
                title=_("Mass outage: %(area)s") % {"area": incident.area})
            return CallTaken(log=log, order=order, incident=incident)
        if restored is not None:
            order = contactlog_create_order(
                log=log, actor=actor, type="repair", category=restored.category, asset=asset,
                priority=max(data["priority"] or 2, 3),
                title=_("Still out after the outage in %(area)s") % {"area": restored.area})
            report_after_restore(order=order, incident=restored, actor=actor)
            return CallTaken(log=log, order=order)
        order = contactlog_create_order(
            log=log, actor=actor, type=data["order_type"] or "repair",
            title=data["order_title"] or data["fault_symptom"] or data["content"][:100],
            category=data["order_category"], priority=data["priority"] or 2, is_emergency=data["is_emergency"],
            asset=asset, visit_from=data["requested_visit_at"],
        )
        articles_used_on_order(ids=list(used_articles), actor=actor, order=order)
        suggestion_record(order=order, actor=actor, suggested=suggested or {})
        return CallTaken(log=log, order=order)
