"""Work-order types, statuses and the transition table per type family. Pure Python, no DB."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Type(models.TextChoices):
    REPAIR = "repair", _("Repair")
    INSTALLATION = "installation", _("Installation")
    MAINTENANCE = "maintenance", _("Maintenance")
    SERVICE_REQUEST = "service_request", _("Service request")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report")
    CONSULTATION = "consultation", _("Consultation")
    URGE = "urge", _("Urge")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")
    OPINION = "opinion", _("Opinion")


class Family(models.TextChoices):
    FIELD = "field", _("Field job")
    COMPLAINT = "complaint", _("Complaint")
    CONSULTATION = "consultation", _("Consultation")
    FEEDBACK = "feedback", _("Simple feedback")


FAMILY_OF: dict[str, Family] = {
    Type.REPAIR: Family.FIELD,
    Type.INSTALLATION: Family.FIELD,
    Type.MAINTENANCE: Family.FIELD,
    Type.SERVICE_REQUEST: Family.FIELD,
    Type.COMPLAINT: Family.COMPLAINT,
    Type.REPORT: Family.COMPLAINT,
    Type.CONSULTATION: Family.CONSULTATION,
    Type.URGE: Family.CONSULTATION,
    Type.SUGGESTION: Family.FEEDBACK,
    Type.PRAISE: Family.FEEDBACK,
    Type.OPINION: Family.FEEDBACK,
}


class Status(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    SCHEDULED = "scheduled", _("Scheduled")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    WAITING_PARTS = "waiting_parts", _("Waiting for parts")
    INVESTIGATING = "investigating", _("Investigating")
    PROPOSED = "proposed", _("Solution proposed")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


S = Status
TRANSITIONS: dict[Family, dict[Status, frozenset[Status]]] = {
    Family.FIELD: {
        S.NEW: frozenset({S.ACCEPTED, S.CANCELLED}),
        S.ACCEPTED: frozenset({S.SCHEDULED, S.DISPATCHED, S.CANCELLED}),
        S.SCHEDULED: frozenset({S.DISPATCHED, S.ACCEPTED, S.CANCELLED}),
        # DISPATCHED → SCHEDULED: nobody home, back to the desk for a new appointment (C4).
        S.DISPATCHED: frozenset({S.IN_PROGRESS, S.SCHEDULED, S.ACCEPTED}),
        S.IN_PROGRESS: frozenset({S.WAITING_PARTS, S.WAITING_CUSTOMER, S.RESOLVED}),
        S.WAITING_PARTS: frozenset({S.IN_PROGRESS, S.RESOLVED}),
        S.WAITING_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CANCELLED}),
        S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
        S.CLOSED: frozenset({S.IN_PROGRESS}),
        S.CANCELLED: frozenset(),
    },
    Family.COMPLAINT: {
        S.NEW: frozenset({S.ACCEPTED, S.CANCELLED}),
        S.ACCEPTED: frozenset({S.INVESTIGATING, S.CANCELLED}),
        S.INVESTIGATING: frozenset({S.PROPOSED, S.WAITING_CUSTOMER}),
        S.WAITING_CUSTOMER: frozenset({S.INVESTIGATING}),
        # PROPOSED → INVESTIGATING: the customer did not accept; a new round begins (D5).
        S.PROPOSED: frozenset({S.RESOLVED, S.INVESTIGATING}),
        S.RESOLVED: frozenset({S.CLOSED, S.INVESTIGATING}),
        S.CLOSED: frozenset({S.INVESTIGATING}),
        S.CANCELLED: frozenset(),
    },
    Family.CONSULTATION: {
        S.NEW: frozenset({S.IN_PROGRESS, S.RESOLVED, S.CANCELLED}),
        S.IN_PROGRESS: frozenset({S.WAITING_CUSTOMER, S.RESOLVED}),
        S.WAITING_CUSTOMER: frozenset({S.IN_PROGRESS, S.RESOLVED}),
        S.RESOLVED: frozenset({S.CLOSED, S.IN_PROGRESS}),
        S.CLOSED: frozenset(),
        S.CANCELLED: frozenset(),
    },
    Family.FEEDBACK: {
        S.NEW: frozenset({S.ACCEPTED, S.CLOSED, S.CANCELLED}),
        S.ACCEPTED: frozenset({S.CLOSED}),
        S.CLOSED: frozenset(),
        S.CANCELLED: frozenset(),
    },
}

OPEN_STATUSES = frozenset(set(Status) - {S.RESOLVED, S.CLOSED, S.CANCELLED})
TERMINAL_STATUSES = frozenset({S.CLOSED, S.CANCELLED})

# Moves a technician may make on his own orders; everything else is the desk's.
TECHNICIAN_MOVES = frozenset({
    (S.DISPATCHED, S.IN_PROGRESS), (S.DISPATCHED, S.SCHEDULED), (S.IN_PROGRESS, S.WAITING_PARTS),
    (S.IN_PROGRESS, S.WAITING_CUSTOMER), (S.WAITING_PARTS, S.IN_PROGRESS), (S.WAITING_CUSTOMER, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.RESOLVED), (S.WAITING_PARTS, S.RESOLVED),
})

# Closing or cancelling a field job or a complaint needs `workorders.close_workorder`.
GUARDED_TARGETS = {Family.FIELD: {S.CLOSED, S.CANCELLED}, Family.COMPLAINT: {S.CLOSED, S.CANCELLED}}


def family_of(order_type: str) -> Family:
    return FAMILY_OF[Type(order_type)]


def types_of(family: Family) -> list[Type]:
    return [t for t, f in FAMILY_OF.items() if f == family]


FIELD_TYPES = types_of(Family.FIELD)
# field orders the dispatch board offers for a technician (the board's index wo_site_dispatchable is limited to them)
DISPATCHABLE = (S.NEW, S.ACCEPTED, S.SCHEDULED)

