"""The only writers of work orders: create, transition, assign, update, note, attach, urge."""

import hashlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import OrgUnit, User
from anxin.accounts.scope import can_see_unit
from anxin.audit.services import audit_record
from anxin.core.bulk import insert_one
from anxin.core.errors import DomainError, NotFound, PermissionDeniedError, domain_error_from
from anxin.core.phone import normalize_phone
from anxin.core.signals import changed
from anxin.customers.models import Asset, Customer
from anxin.workorders import events, notices
from anxin.workorders.errors import WorkOrderErrorCode
from anxin.workorders.models import (
    Category,
    IdempotencyKey,
    NumberSequence,
    Priority,
    WorkOrder,
    WorkOrderEvent,
)
from anxin.workorders.states import (
    GUARDED_TARGETS,
    OPEN_STATUSES,
    TECHNICIAN_MOVES,
    TRANSITIONS,
    Family,
    Status,
    Type,
    family_of,
)

NUMBER_PREFIX = "GD"
SHANGHAI = ZoneInfo("Asia/Shanghai")

# Until SLA policies exist (promises issue), an order's promise is its visit window or these hours.
DEFAULT_PROMISE_HOURS = {Priority.URGENT: 4, Priority.HIGH: 24, Priority.NORMAL: 72, Priority.LOW: 120}


def category_create(*, code: str, name: str, parent: Category | None = None, family: str = "") -> Category:
    """Add a node to the category tree (reference data; administrators also edit it in the admin)."""
    category = Category(code=code, name=name, parent=parent, family=family)
    try:
        category.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    category.save()
    return category


def next_number(now: datetime | None = None) -> str:
    """GD20261122-0007: one atomic upsert, so concurrent creates never share a number.

    Runs inside the caller's transaction: a rolled-back create gives its number back.
    """
    day = (now or timezone.now()).astimezone(SHANGHAI).strftime("%Y%m%d")
    table = NumberSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (seq,) = cursor.fetchone()
    return f"{NUMBER_PREFIX}{day}-{seq:04d}"


# Foreign keys the services pass as loaded, scope-checked objects: re-querying them in full_clean is waste.
_LOADED_RELATIONS = ["customer", "asset", "site", "taken_by", "owner", "category"]


def _clean(order: WorkOrder, exclude: list[str] | None = None) -> None:
    """Field validation without database round trips; the visit-window constraint is checked here in Python."""
    if order.visit_from and order.visit_to and order.visit_to < order.visit_from:
        raise DomainError(WorkOrderErrorCode.INVALID, _("The visit window must end after it starts."),
                          {"field": "visit_to"})
    try:
        order.full_clean(exclude=[*(exclude or []), *_LOADED_RELATIONS], validate_unique=False,
                         validate_constraints=False)
    except ValidationError as exc:
        raise domain_error_from(exc) from exc


def _check_owner(owner: User | None, site: OrgUnit) -> None:
    if owner is not None and (not owner.is_active or not can_see_unit(owner, site.id)):
        raise DomainError(WorkOrderErrorCode.OWNER_INVALID, _("This person cannot handle orders of this site."),
                          {"field": "owner"})


def workorder_create(
    *, actor: User, type: str, channel: str, site: OrgUnit, title: str, customer: Customer | None = None,
    description: str = "", category: Category | None = None, priority: int = Priority.NORMAL,
    is_emergency: bool = False, asset: Asset | None = None, caller_number: str = "", owner: User | None = None,
    visit_from: datetime | None = None, visit_to: datetime | None = None, received_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> WorkOrder:
    """A1: every channel creates an order through here.

    Writes CREATED on the timeline and an audit row. With `idempotency_key`, a repeat by the same
    user returns the first order (SECURITY-CASES 5) — also under a race, via the unique key.
    Raises NotFound for a site/customer/asset outside the actor's scope, DomainError(invalid).
    """
    fingerprint = ""
    if idempotency_key:
        fingerprint = _fingerprint(type, channel, site.pk, title, customer and customer.pk, description,
                                   category and category.pk, priority, is_emergency, asset and asset.pk,
                                   caller_number, owner and owner.pk, visit_from, visit_to)
        existing = _order_for_key(actor, idempotency_key, fingerprint)
        if existing is not None:
            return existing
    # Everything that reads or validates happens before the write transaction: on SQLite the write
    # lock is taken at BEGIN, and every millisecond inside it is a millisecond other writers wait.
    order = _build(actor=actor, type=type, channel=channel, site=site, title=title, customer=customer,
                   description=description, category=category, priority=priority, is_emergency=is_emergency,
                   asset=asset, caller_number=caller_number, owner=owner, visit_from=visit_from,
                   visit_to=visit_to, received_at=received_at)
    try:
        with transaction.atomic():
            _insert(order, actor=actor)
            if order.customer_id and order.category_id:
                from anxin.workorders.incident_services import report_place  # it writes through this module

                report_place(order=order, actor=actor)  # A11: a report of a known outage joins it
            if idempotency_key:
                IdempotencyKey.objects.create(user=actor, key=idempotency_key[:100], work_order=order,
                                              fingerprint=fingerprint)
            return order
    except IntegrityError:
        # Lost the race for the same key: the winner's order is the answer.
        if idempotency_key and (existing := _order_for_key(actor, idempotency_key, fingerprint)) is not None:
            return existing
        raise


def workorder_for_idempotency_key(*, actor: User, key: str) -> WorkOrder | None:
    """The order a create with this key already made (`replayed` set), for callers with writes before the create."""
    return _order_for_key(actor, key)


def _fingerprint(*values) -> str:
    text = "\x1f".join(v.isoformat() if hasattr(v, "isoformat") else str(v) for v in values)
    return hashlib.sha256(text.encode()).hexdigest()


def _order_for_key(actor: User, key: str, fingerprint: str = "") -> WorkOrder | None:
    row = IdempotencyKey.objects.select_related("work_order").filter(user=actor, key=key[:100]).first()
    if row is None:
        return None
    if fingerprint and row.fingerprint and row.fingerprint != fingerprint:
        raise DomainError(WorkOrderErrorCode.INVALID, _("This Idempotency-Key was already used for a different "
                                                        "request."), {"field": "Idempotency-Key"}, status=422)
    row.work_order.replayed = True  # tells the caller this is the first result, not a new order
    return row.work_order


def _build(*, actor, type, channel, site, title, customer, description, category, priority, is_emergency, asset,
           caller_number, owner, visit_from, visit_to, received_at) -> WorkOrder:
    """Check scope and rules and return a validated, unsaved order (no writes)."""
    if not can_see_unit(actor, site.id):
        raise NotFound()
    if customer is not None and not can_see_unit(actor, customer.site_id):
        raise NotFound()
    if asset is not None and (customer is None or asset.customer_id != customer.id):
        raise DomainError(WorkOrderErrorCode.INVALID, _("The asset does not belong to this customer."),
                          {"field": "asset"})
    if type in Type.values and family_of(type) in (Family.FIELD, Family.COMPLAINT) and customer is None:
        raise DomainError(WorkOrderErrorCode.CUSTOMER_REQUIRED, _("Field jobs and complaints need a customer."),
                          {"field": "customer"})
    _check_owner(owner, site)
    if is_emergency:
        priority = Priority.URGENT
    order = WorkOrder(
        type=type, channel=channel, site=site, title=(title or "").strip(), customer=customer,
        description=(description or "").strip(), category=category, priority=priority, is_emergency=is_emergency,
        asset=asset, caller_number=normalize_phone(caller_number) if caller_number else "", owner=owner,
        visit_from=visit_from, visit_to=visit_to, received_at=received_at or timezone.now(), taken_by=actor,
        status=Status.NEW, number="pending",
    )
    _clean(order, exclude=["number"])
    return order


def _insert(order: WorkOrder, *, actor: User) -> None:
    """The writes of a create, inside the caller's transaction: number, row, timeline, audit."""
    order.number = next_number(order.received_at)
    insert_one(order)
    events.created_event(order=order, actor=actor)
    if order.owner is not None:
        events.owner_assigned_event(order=order, actor=actor, old_owner=None, new_owner=order.owner)
        notices.dispatched_to(order, order.owner)
    if order.is_emergency:
        notices.emergency_created(order)
    audit_record(actor=actor, action="create", object_type="workorders.workorder", object_id=order.public_id,
                 summary=order.number)
    changed("order", order.pk)
    return order


def workorder_lock(order: WorkOrder) -> WorkOrder:
    """Re-read the row under a write lock (PostgreSQL row lock; SQLite's IMMEDIATE transaction).

    Call inside `transaction.atomic()`; a step that locks first passes the result on with `already_locked=True`
    (in the same transaction) so the order is read and locked once per step.
    """
    return WorkOrder.objects.select_for_update().get(pk=order.pk)


def _locked(order: WorkOrder, already_locked: bool) -> WorkOrder:
    return order if already_locked else workorder_lock(order)


def _check_version(locked: WorkOrder, expected_version: int | None) -> None:
    if expected_version is not None and locked.version != expected_version:
        raise DomainError(WorkOrderErrorCode.STALE,
                          _("Someone else changed this order in the meantime. Reload the page and try again."),
                          {"version": locked.version}, status=409)


def allowed_transitions(*, order: WorkOrder, user: User) -> list[Status]:
    """The moves this user may make on this order now: the table, narrowed by role."""
    if not user.has_perm("workorders.change_workorder"):
        return []
    targets = TRANSITIONS[order.family].get(Status(order.status), frozenset())
    if not user.has_perm("workorders.view_team_orders"):
        if order.owner_id != user.id:
            return []
        targets = frozenset(t for t in targets if (order.status, t) in TECHNICIAN_MOVES)
    if not user.has_perm("workorders.close_workorder"):
        targets = targets - GUARDED_TARGETS.get(order.family, set())
    return sorted(targets, key=list(Status).index)


def workorder_transition(
    *, order: WorkOrder, to: str, actor: User, reason: str = "", expected_version: int | None = None,
    customer_confirmed: bool = False, already_locked: bool = False, tell_customer: bool = True,
    by_incident: bool = False,
) -> WorkOrder:
    """Move an order along its family's transition table.

    Locks the row (unless the caller holds it: `already_locked`), checks the table and the actor's role, saves,
    writes one TRANSITIONED event.
    Raises DomainError(illegal_transition, 409), DomainError(stale, 409), PermissionDeniedError.
    """
    if to not in Status.values:
        raise DomainError(WorkOrderErrorCode.INVALID, _("Unknown status."), {"field": "to"})
    with transaction.atomic():
        locked = _locked(order, already_locked)
        _check_version(locked, expected_version)
        # A11: a report of a restored mass outage is resolved from wherever it stands (it was never dispatched on
        # its own); the incident service has checked the lead's right
        restored_report = (by_incident and locked.incident_id is not None and to == Status.RESOLVED
                           and locked.status in OPEN_STATUSES)
        if not restored_report and Status(to) not in TRANSITIONS[locked.family].get(Status(locked.status),
                                                                                     frozenset()):
            raise DomainError(
                WorkOrderErrorCode.ILLEGAL_TRANSITION,
                _("An order in state “%(current)s” cannot move to “%(to)s”.")
                % {"current": locked.get_status_display(), "to": Status(to).label},
                {"current": locked.status, "to": to}, status=409,
            )
        if not restored_report and Status(to) not in allowed_transitions(order=locked, user=actor):
            raise PermissionDeniedError()
        if locked.family == Family.COMPLAINT and to == Status.RESOLVED and not customer_confirmed:
            # D5: only the complaints service, holding the customer's recorded consent, resolves a complaint
            raise DomainError(WorkOrderErrorCode.ILLEGAL_TRANSITION,
                              _("A complaint is resolved only with the customer's recorded confirmation."),
                              {"to": to}, status=409)
        from_status = locked.status
        now = timezone.now()
        locked.status = to
        locked.version += 1
        fields = ["status", "version", "updated_at"]
        if to == Status.RESOLVED:
            locked.resolved_at = now
            fields.append("resolved_at")
        if to == Status.CLOSED:
            locked.closed_at = now
            fields.append("closed_at")
        if from_status in (Status.RESOLVED, Status.CLOSED) and to in OPEN_STATUSES:
            locked.resolved_at = locked.closed_at = None
            locked.reopen_count += 1
            fields += ["resolved_at", "closed_at", "reopen_count"]
        locked.save(update_fields=fields)
        events.transitioned_event(order=locked, actor=actor, from_status=from_status, to_status=to,
                                  reason=(reason or "")[:500])
        if tell_customer:  # False when the caller tells the customer itself (a mass outage: one message each)
            notices.customer_milestone(locked, to)
        audit_record(actor=actor, action="update", object_type="workorders.workorder", object_id=locked.public_id,
                     summary=f"{locked.number} {from_status}→{to}")
    return locked



def workorder_assign(*, order: WorkOrder, owner: User | None, actor: User, reason: str = "",
                     expected_version: int | None = None, already_locked: bool = False) -> WorkOrder:
    """Give an order to an owner (or take it back). Needs `assign_workorder`; writes OWNER_ASSIGNED."""
    if not actor.has_perm("workorders.assign_workorder"):
        raise PermissionDeniedError()
    with transaction.atomic():
        locked = _locked(order, already_locked)
        _check_version(locked, expected_version)
        _check_owner(owner, locked.site)
        if locked.status in (Status.CLOSED, Status.CANCELLED):
            raise DomainError(WorkOrderErrorCode.ILLEGAL_TRANSITION, _("A closed order cannot be reassigned."),
                              status=409)
        if locked.owner_id == (owner.id if owner else None):
            return locked
        old_owner = locked.owner
        locked.owner = owner
        locked.version += 1
        locked.save(update_fields=["owner", "version", "updated_at"])
        events.owner_assigned_event(order=locked, actor=actor, old_owner=old_owner, new_owner=owner, reason=reason)
        if owner is not None:
            notices.dispatched_to(locked, owner)
        audit_record(actor=actor, action="update", object_type="workorders.workorder", object_id=locked.public_id,
                     summary=f"{locked.number} owner→{owner or '-'}")
        changed("order", locked.pk)  # technicians find only their own orders
    return locked


def workorder_bulk_assign(*, orders: list[WorkOrder], owner: User | None, actor: User) -> int:
    """Assign many orders in one transaction: all or nothing."""
    with transaction.atomic():
        for order in orders:
            workorder_assign(order=order, owner=owner, actor=actor)
    return len(orders)


EDITABLE_FIELDS = {"title", "description", "category", "priority", "is_emergency", "visit_from", "visit_to", "asset"}


def workorder_update(*, order: WorkOrder, actor: User, data: dict[str, Any],
                     expected_version: int | None = None) -> WorkOrder:
    """Change details (not status, not owner). Writes one UPDATED event with old/new per field."""
    if not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise DomainError(WorkOrderErrorCode.INVALID, _("This field cannot be changed."), {"field": sorted(unknown)[0]})
    with transaction.atomic():
        locked = workorder_lock(order)
        _check_version(locked, expected_version)
        changes = {}
        for key, value in data.items():
            old = getattr(locked, key)
            if old != value:
                changes[key] = {"old": str(old) if old is not None else "", "new": str(value) if value is not None else ""}
                setattr(locked, key, value)
        if "asset" in data and locked.asset is not None and locked.asset.customer_id != locked.customer_id:
            raise DomainError(WorkOrderErrorCode.INVALID, _("The asset does not belong to this customer."),
                              {"field": "asset"})
        if not changes:
            return locked
        _clean(locked)
        locked.version += 1
        locked.save()
        events.updated_event(order=locked, actor=actor, changes=changes)
        audit_record(actor=actor, action="update", object_type="workorders.workorder", object_id=locked.public_id,
                     summary=locked.number, data=changes)
        changed("order", locked.pk)
    return locked


def _body_text(body: str, limit: int, empty, too_long) -> str:
    text = (body or "").strip()
    if not text or len(text) > limit:
        raise DomainError(WorkOrderErrorCode.INVALID, too_long if text else empty, {"field": "body"})
    return text


def workorder_add_note(*, order: WorkOrder, actor: User, body: str, is_public: bool = False):
    """Append an internal note or a reply the customer may see. Notes are never edited."""
    text = _body_text(body, 5000, _("The note is empty."), _("The note is too long (at most 5000 characters)."))
    if not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    with transaction.atomic():
        event = events.note_added_event(order=order, actor=actor, body=text, is_public=is_public)
        WorkOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
        audit_record(actor=actor, action="update", object_type="workorders.workorder", object_id=order.public_id,
                     summary=f"{order.number} {'reply' if is_public else 'note'}", data={"event": event.pk})
    return event


def workorder_customer_message(*, order: WorkOrder, actor: User, body: str, channel: str,
                               public: bool = True) -> WorkOrderEvent:
    """A message the customer sent (portal, email) goes on the timeline; the owner hears of it.

    `public=False` for a sender who could not be verified: staff see it, the customer's timeline does not."""
    text = _body_text(body, 2000, _("The message is empty."),
                      _("The message is too long (at most 2000 characters)."))
    with transaction.atomic():
        event = events.customer_message_event(order=order, actor=actor, body=text, channel=channel, public=public)
        WorkOrder.objects.filter(pk=order.pk).update(updated_at=timezone.now())
        notices.customer_wrote(order, event)
        audit_record(actor=actor, action="update", object_type="workorders.workorder", object_id=order.public_id,
                     summary=f"{order.number} customer message", data={"event": event.pk, "channel": channel})
    return event


def promise_due_at(order: WorkOrder) -> datetime:
    """When the desk promised this order done: the visit window's end, else hours by priority."""
    if order.visit_to:
        return order.visit_to
    return order.received_at + timedelta(hours=DEFAULT_PROMISE_HOURS[Priority(order.priority)])


def is_within_promise(order: WorkOrder, now: datetime | None = None) -> bool:
    return (now or timezone.now()) <= promise_due_at(order)


def workorder_urge(*, order: WorkOrder, actor: User, contact_public_id: str, summary: str) -> WorkOrder:
    """A7: the customer chased an open order; count it and put it on the timeline (no new order)."""
    if order.status not in OPEN_STATUSES:
        raise DomainError(WorkOrderErrorCode.ILLEGAL_TRANSITION, _("Only an open order can be chased."), status=409)
    with transaction.atomic():
        locked = workorder_lock(order)
        locked.urge_count += 1
        locked.version += 1
        locked.save(update_fields=["urge_count", "version", "updated_at"])
        events.urged_event(order=locked, actor=actor, contact_public_id=contact_public_id, summary=summary,
                           within_promise=is_within_promise(locked))
    return locked


def workorder_record_contact(*, order: WorkOrder, actor: User, contact_public_id: str, summary: str) -> WorkOrderEvent:
    """A3: the contact an order was opened from goes on its timeline (call inside the intake's transaction)."""
    return events.contact_logged_event(order=order, actor=actor, contact_public_id=contact_public_id, summary=summary)


SLA_EVENTS = {WorkOrderEvent.Type.SLA_WARNED, WorkOrderEvent.Type.SLA_BREACHED, WorkOrderEvent.Type.ESCALATED,
              WorkOrderEvent.Type.COMMITMENT_MADE, WorkOrderEvent.Type.COMMITMENT_CLOSED}




def workorder_record_step(*, order: WorkOrder, type: int, actor: User | None, reason: str = "", body: str = "",
                          data: dict | None = None, is_public: bool = False) -> WorkOrderEvent:
    """Field (2xx/3xx) and complaint (6xx) steps on the timeline (call inside the step's transaction); which
    module writes which type, with which data keys, is `events.STEP_EVENTS`."""
    return events.step_event(order=order, type_=type, actor=actor, reason=reason, body=body, data=data,
                             is_public=is_public)


def workorder_record_knowledge_used(*, order: WorkOrder, actor: User, title: str, article_id: str,
                                    audience: str) -> WorkOrderEvent:
    """G2/G4: the agent used an article or script on this order (internal: never shown to the customer)."""
    return events.knowledge_used_event(order=order, actor=actor, title=title, article_id=article_id, audience=audience)


def workorder_record_classification(*, order: WorkOrder, actor: User, summary: str, data: dict) -> WorkOrderEvent:
    """A8: what the model suggested for the order and what the agent chose (internal)."""
    return events.classification_event(order=order, actor=actor, summary=summary, data=data)


def workorder_record_sla_event(*, order: WorkOrder, type: int, reason: str, data: dict) -> WorkOrderEvent:
    """E4/E5: a warning, breach, escalation or a promise made/closed becomes a fact on the order's timeline."""
    if type not in SLA_EVENTS:
        raise DomainError(WorkOrderErrorCode.INVALID, _("Unknown status."), {"field": "type"})
    return events.sla_event(order=order, type_=type, reason=reason, data=data)


def workorder_record_sla_events(*, items: list[tuple[WorkOrder, int, str, dict]]) -> None:
    """The same as workorder_record_sla_event for many orders at once (the sweep's batches)."""
    if any(t not in SLA_EVENTS for _o, t, _r, _d in items):
        raise DomainError(WorkOrderErrorCode.INVALID, _("Unknown status."), {"field": "type"})
    events.sla_events_bulk(items)
