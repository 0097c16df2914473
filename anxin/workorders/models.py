from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.accounts.models import OrgUnit
from anxin.core.models import PublicIdMixin, TimeStampedModel
from anxin.customers.models import Asset, Customer
from anxin.workorders.states import DISPATCHABLE, FIELD_TYPES, Family, Status, Type, family_of


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    WALK_IN = "walk_in", _("Walk-in")
    WEB = "web", _("Web / H5")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("Outbound visit")
    API = "api", _("API")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Category(TimeStampedModel):
    """A node of the fault / matter tree (e.g. 水电 › 给排水 › 漏水)."""

    name = models.CharField(_("name"), max_length=50)
    code = models.CharField(_("code"), max_length=30, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    family = models.CharField(_("type family"), max_length=15, choices=Family.choices, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class WorkOrder(PublicIdMixin, TimeStampedModel):
    """One customer request of any type, from intake to close.

    `status` only changes through `services.workorder_transition`, which writes the timeline.
    `version` grows on every write so a stale page gets a 409 instead of overwriting (SC 41).
    `taken_by` is the agent who took the request; `owner` is who must act on it now.
    """

    number = models.CharField(pgettext_lazy("work order", "number"), max_length=20, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("category"))
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    is_emergency = models.BooleanField(_("emergency"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    # site, customer and owner lead composite indexes below; their own single-column indexes would only
    # cost every insert (measured in docs/decisions.md).
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="work_orders",
                                 verbose_name=_("customer"), db_index=False)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="work_orders",
                              verbose_name=_("asset"))
    site = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("site"),
                             db_index=False)
    title = models.CharField(_("summary"), max_length=100)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    caller_number = models.CharField(_("caller number"), max_length=32, blank=True)
    received_at = models.DateTimeField(_("received at"))
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("taken by"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_work_orders", verbose_name=_("owner"), db_index=False)
    visit_from = models.DateTimeField(_("requested visit from"), null=True, blank=True)
    visit_to = models.DateTimeField(_("requested visit to"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    urge_count = models.PositiveIntegerField(_("urges"), default=0)
    # reopened after being resolved or closed: first-contact resolution excludes such orders, and the reports'
    # rollup counts it from the row alone (a reopen clears resolved_at, so the row would not tell otherwise)
    reopen_count = models.PositiveIntegerField(_("reopened"), default=0)
    # A11: a report of a mass outage belongs to its incident: it is not dispatched on its own, is resolved with
    # the incident and counted apart in the reports
    incident = models.ForeignKey("Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="reports", verbose_name=_("incident"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # Every sort and common filter of the queue reads an index in its own order: no database sorts a whole
            # site to show 50 rows, whatever its statistics say (tested in test_queue_indexes). A site's staff see
            # one site, so each index leads with it; wo_received serves the default sort of a multi-site scope.
            # taken_by last: staff performance counts a month's orders per agent from the index alone (105 → 10 ms
            # at 1 M); the queue's sorts read only the first three columns
            models.Index(fields=["site", "-received_at", "-id", "taken_by"], name="wo_site_newest"),
            models.Index(fields=["site", "status", "-received_at", "-id"], name="wo_site_status_newest"),
            # customer last: repeat complaints (each complaint's previous one by the same customer) read a period's
            # complaints from the index alone — from the table it was half of the dashboard's figure (23 → 11 ms)
            models.Index(fields=["site", "type", "-received_at", "-id", "customer"], name="wo_site_type_customer"),
            # type + status: the queue's commonest pair of filters. Through the status index its count (to the cap)
            # filtered ~12,000 rows of the table for 1,000 complaints in progress: 50–70 ms at 1 M (issue 14)
            models.Index(fields=["site", "type", "status", "-received_at", "-id"], name="wo_site_type_status"),
            # chased orders are a few in a hundred: without their own index the "urged" filter walked the whole site
            models.Index(fields=["site", "-received_at", "-id"], condition=models.Q(urge_count__gt=0),
                         name="wo_site_chased"),
            # the dispatch board's waiting field orders, most urgent first: without it every view sorted all of the
            # site's (5,433 at 100k orders: 44 ms; ten times that at 1 M) to show the first rows
            models.Index(fields=["site", "-is_emergency", "-priority", "received_at"],
                         condition=models.Q(type__in=FIELD_TYPES, status__in=DISPATCHABLE), name="wo_site_dispatchable"),
            models.Index(fields=["site", "-priority", "-received_at", "-id"], name="wo_site_priority"),
            models.Index(fields=["site", "-updated_at", "-id"], name="wo_site_updated"),
            models.Index(fields=["received_at"], name="wo_received"),
            models.Index(fields=["owner", "status"], name="wo_owner_status"),
            # "mine" orders by received_at; without this SQLite sorts every match
            models.Index(fields=["owner", "received_at"], name="wo_owner_recv"),
            models.Index(fields=["customer", "status"], name="wo_customer_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(visit_to__isnull=True) | models.Q(visit_from__isnull=True)
                                   | models.Q(visit_to__gte=models.F("visit_from")), name="wo_visit_window_ordered"),
        ]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        permissions = [
            ("view_team_orders", _("Can see every order of the team / site, not only own")),
            ("assign_workorder", _("Can assign work orders")),
            ("close_workorder", _("Can close or cancel field jobs and complaints")),
            ("export_workorders", _("Can export work-order lists")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def family(self) -> Family:
        return family_of(self.type)


class WorkOrderEvent(models.Model):
    """The timeline: one row per thing that happened to an order. Append-only.

    `type` is numbered by family: 1xx lifecycle, 2xx dispatch, 3xx field, 4xx customer contact,
    5xx SLA / escalation, 6xx complaint / revisit. `body` carries note text; `is_public` marks
    what the customer may see (replies) as opposed to internal notes.
    """

    class Type(models.IntegerChoices):
        CREATED = 100, _("Order created")
        TRANSITIONED = 101, _("Status changed")
        UPDATED = 102, _("Details changed")
        OWNER_ASSIGNED = 110, _("Owner assigned")
        DISPATCHED = 200, _("Dispatched to a technician")
        APPOINTMENT_SET = 201, _("Appointment agreed")
        DELAY_RECORDED = 202, _("Delay recorded")
        TRAVEL_STARTED = 300, _("Technician on the way")
        ARRIVED = 301, _("Technician arrived")
        NOBODY_HOME = 302, _("Nobody home")
        INSPECTED = 303, _("Inspection recorded")
        WARRANTY_DECIDED = 304, _("Warranty decided")
        QUOTE_CHANGED = 305, _("Quote changed")
        QUOTE_DECIDED = 306, _("Customer decided on the quote")
        MATERIALS_REQUESTED = 307, _("Materials requested")
        MATERIALS_ISSUED = 308, _("Materials issued")
        ACCEPTED_BY_CUSTOMER = 309, _("Customer accepted the work")
        PAYMENT_RECORDED = 310, _("Payment recorded")
        NOTE_ADDED = 400, _("Internal note")
        REPLY_ADDED = 401, _("Reply to customer")
        CONTACT_LOGGED = 402, _("Contact logged")
        URGED = 403, _("Customer chased (urge)")
        COMMITMENT_MADE = 404, _("Promise made")
        COMMITMENT_CLOSED = 405, _("Promise closed")
        CUSTOMER_MESSAGE = 406, _("Message from the customer")
        CUSTOMER_TOLD = 407, _("Customer told")
        ATTACHMENT_ADDED = 410, _("Attachment added")
        KNOWLEDGE_USED = 420, _("Knowledge used")
        CLASSIFICATION_SUGGESTED = 421, _("Classification suggested")
        SLA_WARNED = 500, _("Promise at risk")
        SLA_BREACHED = 501, _("Promise broken")
        ESCALATED = 502, _("Escalated")
        LINKED_TO_INCIDENT = 111, _("Linked to a mass-outage incident")
        HANDLING_FORM_RETURNED = 600, _("Complaint handling form returned")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events",
                                   db_index=False)  # (work_order, created_at) below covers it
    type = models.PositiveSmallIntegerField(choices=Type.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_status = models.CharField(max_length=20, blank=True, choices=Status.choices)
    to_status = models.CharField(max_length=20, blank=True, choices=Status.choices)
    reason = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True, max_length=5000)
    is_public = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["work_order", "created_at"], name="woevent_order_time")]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")


class Attachment(PublicIdMixin, TimeStampedModel):
    """A photo or PDF on an order, stored under a server-made name and served only by a checked view."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(max_length=80, unique=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    is_public = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class NumberSequence(models.Model):
    """Per-day counter behind readable numbers (GD20261122-0007); bumped with one atomic upsert."""

    day = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveIntegerField(default=0)


class IdempotencyKey(models.Model):
    """A client's Idempotency-Key (API) or form token (UI): a repeated create returns the first order."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="+")
    # what was asked with the key (SHA-256): the same key with another request is refused, not answered with
    # the first order (issue 13); empty on rows from before the check
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")]


class OutageRule(models.Model):
    """A11 detection for one category: `threshold` open reports within `window_minutes` in one area (a district,
    or a street of it) raise a suspected incident to the shift lead and the dispatchers."""

    class AreaLevel(models.TextChoices):
        DISTRICT = "district", _("District")
        STREET = "street", _("Street")

    category = models.OneToOneField(Category, on_delete=models.CASCADE, related_name="outage_rule",
                                    verbose_name=_("category"))
    threshold = models.PositiveSmallIntegerField(_("reports"), default=5)
    window_minutes = models.PositiveSmallIntegerField(_("within (minutes)"), default=15)
    area_level = models.CharField(_("area"), max_length=10, choices=AreaLevel.choices, default=AreaLevel.STREET)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(threshold__gte=2), name="outage_rule_threshold_2"),
                       models.CheckConstraint(condition=models.Q(window_minutes__gte=1), name="outage_rule_window")]
        verbose_name = _("mass-outage rule")
        verbose_name_plural = _("mass-outage rules")

    def __str__(self) -> str:
        return f"{self.category}: {self.threshold} / {self.window_minutes} min"


class Incident(PublicIdMixin, TimeStampedModel):
    """A11 大面积故障: one fault in one area that many customers report. Suspected by the detection rule (or
    declared by hand from a known cause), confirmed or dismissed by the shift lead, restored once."""

    class Status(models.TextChoices):
        SUSPECTED = "suspected", _("Suspected")
        CONFIRMED = "confirmed", _("Confirmed")
        DISMISSED = "dismissed", _("Dismissed")
        RESTORED = "restored", _("Restored")

    site = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", verbose_name=_("category"))
    district = models.CharField(_("district"), max_length=20)
    street = models.CharField(_("street"), max_length=50, blank=True)  # blank: the whole district
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUSPECTED)
    cause = models.CharField(_("cause"), max_length=200, blank=True)
    eta = models.DateTimeField(_("estimated restoration"), null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("owner"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")  # None: raised by the detection rule
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # who confirmed or dismissed it
    decided_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(_("reason"), max_length=200, blank=True)
    restored_at = models.DateTimeField(_("restored at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)
    # the one field order of the incident: its repair is dispatched, not each report's
    field_order = models.ForeignKey(WorkOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("field order"))
    eta_changes = models.PositiveSmallIntegerField(default=0)  # numbers the "new time" message of each change
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["site", "status"], name="incident_site_status")]
        verbose_name = _("mass-outage incident")
        verbose_name_plural = _("mass-outage incidents")

    def __str__(self) -> str:
        return f"{self.area} {self.category}"

    @property
    def area(self) -> str:
        return f"{self.district}{self.street}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.SUSPECTED, self.Status.CONFIRMED)

    def covers(self, district: str, street: str) -> bool:
        return bool(district) and district == self.district and (not self.street or street == self.street)
