"""Timeline writers, one per event type. Called only from services, inside their transaction."""

from typing import Any

from anxin.workorders.models import WorkOrder, WorkOrderEvent

E = WorkOrderEvent.Type


def _event(order: WorkOrder, type_: int, actor, **fields: Any) -> WorkOrderEvent:
    return WorkOrderEvent.objects.create(work_order=order, type=type_, actor=actor, **fields)


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
    WorkOrderEvent.objects.bulk_create(
        [WorkOrderEvent(work_order=o, type=t, reason=r[:500], data=d) for o, t, r, d in items])


def attachment_added_event(*, order: WorkOrder, actor, name: str, attachment_id: str) -> WorkOrderEvent:
    return _event(order, E.ATTACHMENT_ADDED, actor, data={"name": name, "attachment": attachment_id})


def knowledge_used_event(*, order: WorkOrder, actor, title: str, article_id: str, audience: str) -> WorkOrderEvent:
    return _event(order, WorkOrderEvent.Type.KNOWLEDGE_USED, actor, reason=title[:500],
                  data={"article": article_id, "audience": audience})


def classification_event(*, order: WorkOrder, actor, summary: str, data: dict) -> WorkOrderEvent:
    return _event(order, WorkOrderEvent.Type.CLASSIFICATION_SUGGESTED, actor, reason=summary[:500], data=data)


def step_event(*, order: WorkOrder, type_: int, actor, reason: str = "", body: str = "", data: dict | None = None,
               is_public: bool = False) -> WorkOrderEvent:
    """Dispatch (2xx), on-site (3xx) and complaint (6xx) steps written by the field and complaints services."""
    return _event(order, type_, actor, reason=reason[:500], body=body[:5000], data=data or {}, is_public=is_public)
