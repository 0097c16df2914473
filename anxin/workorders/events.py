"""Timeline writers, one per event type. Called only from services, inside their transaction."""

from typing import Any

from anxin.core.bulk import insert_one, insert_rows
from anxin.workorders.models import WorkOrder, WorkOrderEvent

E = WorkOrderEvent.Type


def _event(order: WorkOrder, type_: int, actor, **fields: Any) -> WorkOrderEvent:
    return insert_one(WorkOrderEvent(work_order=order, type=type_, actor=actor, **fields))


def created_event(*, order: WorkOrder, actor) -> WorkOrderEvent:
    return _event(order, E.CREATED, actor, to_status=order.status,
                  data={"channel": order.channel, "type": order.type})


def transitioned_event(*, order: WorkOrder, actor, from_status: str, to_status: str, reason: str) -> WorkOrderEvent:
    return _event(order, E.TRANSITIONED, actor, from_status=from_status, to_status=to_status, reason=reason)


def updated_event(*, order: WorkOrder, actor, changes: dict[str, dict[str, Any]]) -> WorkOrderEvent:
    return _event(order, E.UPDATED, actor, data=changes)


def owner_assigned_event(*, order: WorkOrder, actor, old_owner, new_owner, reason: str = "") -> WorkOrderEvent:
    return _event(order, E.OWNER_ASSIGNED, actor, reason=reason,
                  data={"old": str(old_owner) if old_owner else "", "new": str(new_owner) if new_owner else ""})


def note_added_event(*, order: WorkOrder, actor, body: str, is_public: bool) -> WorkOrderEvent:
    return _event(order, E.REPLY_ADDED if is_public else E.NOTE_ADDED, actor, body=body, is_public=is_public)


def customer_message_event(*, order: WorkOrder, actor, body: str, channel: str, public: bool = True) -> WorkOrderEvent:
    """What the customer wrote (portal, email): public — it is their own words — unless the sender could not be
    verified (a mail from an address the order does not know), which staff read but the customer never sees."""
    return _event(order, E.CUSTOMER_MESSAGE, actor, body=body, is_public=public, data={"channel": channel})


def customer_told_event(*, order: WorkOrder, body: str, data: dict) -> WorkOrderEvent:
    """A message sent to the customer (I1), as it was worded; internal — the customer has it already."""
    return _event(order, E.CUSTOMER_TOLD, None, body=body, data=data)


def contact_logged_event(*, order: WorkOrder, actor, contact_public_id: str, summary: str) -> WorkOrderEvent:
    return _event(order, E.CONTACT_LOGGED, actor, body=summary, data={"contact_log": contact_public_id})


def urged_event(*, order: WorkOrder, actor, contact_public_id: str, summary: str, within_promise: bool | None
                ) -> WorkOrderEvent:
    return _event(order, E.URGED, actor, body=summary,
                  data={"contact_log": contact_public_id, "within_promise": within_promise})


def sla_event(*, order: WorkOrder, type_: int, reason: str, data: dict) -> WorkOrderEvent:
    return _event(order, type_, None, reason=reason[:500], data=data)


def sla_events_bulk(items: list[tuple[WorkOrder, int, str, dict]]) -> None:
    # plain rows through core.bulk: the sweep writes a batch of 500 at a time, and bulk_create's per-value
    # preparation was a third of its time (issue 14)
    insert_rows(WorkOrderEvent, [{"work_order_id": o.pk, "type": int(t), "actor_id": None, "from_status": "",
                                  "to_status": "", "reason": r[:500], "body": "", "is_public": False, "data": d}
                                 for o, t, r, d in items])


def linked_to_incident_event(*, order: WorkOrder, actor, incident_id: str, area: str) -> WorkOrderEvent:
    return _event(order, WorkOrderEvent.Type.LINKED_TO_INCIDENT, actor, reason=area[:500],
                  data={"incident": incident_id})


def attachment_added_event(*, order: WorkOrder, actor, name: str, attachment_id: str) -> WorkOrderEvent:
    return _event(order, E.ATTACHMENT_ADDED, actor, data={"name": name, "attachment": attachment_id})


def knowledge_used_event(*, order: WorkOrder, actor, title: str, article_id: str, audience: str) -> WorkOrderEvent:
    return _event(order, WorkOrderEvent.Type.KNOWLEDGE_USED, actor, reason=title[:500],
                  data={"article": article_id, "audience": audience})


def classification_event(*, order: WorkOrder, actor, summary: str, data: dict) -> WorkOrderEvent:
    return _event(order, WorkOrderEvent.Type.CLASSIFICATION_SUGGESTED, actor, reason=summary[:500], data=data)


# The data each step event carries, named once: the module that writes the type (its only writer) and the keys
# its `data` may hold. Readers (the timeline, reports, PDFs, the portal) rely on these names; a writer that
# passes another key fails at once (test_step_events_carry_only_their_named_keys).
_T = WorkOrderEvent.Type
STEP_EVENTS: dict[int, tuple[str, frozenset[str]]] = {
    _T.DISPATCHED: ("field.services.assignments",
                    frozenset({"technician", "planned", "start", "end", "travel_minutes", "warnings", "source"})),
    _T.APPOINTMENT_SET: ("field.services.appointments", frozenset({"from", "to", "agreed_with", "previous"})),
    _T.DELAY_RECORDED: ("field.services.appointments", frozenset({"reason", "new_promise", "consent_by"})),
    _T.TRAVEL_STARTED: ("field.services.visits", frozenset()),
    _T.ARRIVED: ("field.services.visits", frozenset()),
    _T.NOBODY_HOME: ("field.services.visits", frozenset({"waited_minutes"})),
    _T.INSPECTED: ("field.services.visits", frozenset({"ng", "signed_by"})),
    _T.ACCEPTED_BY_CUSTOMER: ("field.services.visits", frozenset({"signed_by"})),
    _T.WARRANTY_DECIDED: ("field.services.jobs", frozenset({"decision", "assessment"})),
    _T.PAYMENT_RECORDED: ("field.services.jobs", frozenset({"amount"})),
    _T.QUOTE_CHANGED: ("field.services.quotes", frozenset({"revision", "item", "amount", "off_list"})),
    _T.QUOTE_DECIDED: ("field.services.quotes", frozenset({"revision", "total", "approved", "online"})),
    _T.MATERIALS_REQUESTED: ("field.services.stock", frozenset({"requisition", "lines", "customer_supplied"})),
    _T.MATERIALS_ISSUED: ("field.services.stock", frozenset({"requisition"})),
    _T.HANDLING_FORM_RETURNED: ("complaints.services", frozenset()),
}


def step_event(*, order: WorkOrder, type_: int, actor, reason: str = "", body: str = "", data: dict | None = None,
               is_public: bool = False) -> WorkOrderEvent:
    """Dispatch (2xx), on-site (3xx) and complaint (6xx) steps, each type written by the one module that
    STEP_EVENTS names, with only the data keys it names."""
    data = data or {}
    if type_ not in STEP_EVENTS:
        raise ValueError(f"not a step event type: {type_}")
    if unknown := set(data) - STEP_EVENTS[type_][1]:
        raise ValueError(f"event {type_} does not carry {sorted(unknown)}")
    return _event(order, type_, actor, reason=reason[:500], body=body[:5000], data=data, is_public=is_public)
