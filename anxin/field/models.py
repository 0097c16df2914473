"""Field service (SPEC C, issue 3): catalogues, technicians, appointments, the assignment register, the
technician's visit, inspection, warranty, quote, materials, acceptance and payment.

Every row here belongs to one work order of the field family; `services.py` is the only writer and each
step also writes a timeline event on the order.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import OrgUnit
from anxin.core.models import PublicIdMixin, TimeStampedModel
from anxin.workorders.models import Attachment, Category, WorkOrder

POSITIVE = [MinValueValidator(Decimal("0.01"))]


class Trade(models.TextChoices):
    PLUMBING = "plumbing", _("Plumbing")
    ELECTRICAL = "electrical", _("Electrical")
    HVAC = "hvac", _("Air conditioning")
    APPLIANCE = "appliance", _("Appliances")
    GLAZING = "glazing", _("Doors and glazing")
    GENERAL = "general", _("General repairs")


class JobType(TimeStampedModel):
    """工时定额: a kind of job with its trade, the skill level it needs and its standard hours."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    trade = models.CharField(_("trade"), max_length=20, choices=Trade.choices)
    min_level = models.PositiveSmallIntegerField(_("skill level needed"), default=1,
                                                 validators=[MinValueValidator(1), MaxValueValidator(3)])
    standard_minutes = models.PositiveIntegerField(_("standard time (minutes)"), validators=[MinValueValidator(1)])
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("default for category"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["trade", "code"]
        verbose_name = _("job type")
        verbose_name_plural = _("job types")

    def __str__(self) -> str:
        return self.name


class Part(TimeStampedModel):
    """The parts catalogue: part number, name, unit."""

    number = models.CharField(_("part number"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    unit = models.CharField(_("unit"), max_length=10, default="个")

    class Meta:
        ordering = ["number"]
        verbose_name = _("part")
        verbose_name_plural = _("parts")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class PriceItem(TimeStampedModel):
    """有偿服务项目收费标准: one priced line of labour, a part or transport."""

    class Kind(models.TextChoices):
        LABOUR = "labour", _("Labour")
        PART = "part", _("Parts")
        TRANSPORT = "transport", _("Transport")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=10, default="次")
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2, validators=POSITIVE)
    part = models.ForeignKey(Part, null=True, blank=True, on_delete=models.PROTECT, related_name="prices",
                             verbose_name=_("part"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [models.CheckConstraint(condition=Q(unit_price__gt=0), name="priceitem_price_positive")]
        verbose_name = _("price-list item")
        verbose_name_plural = _("price list")

    def __str__(self) -> str:
        return f"{self.name} ¥{self.unit_price}/{self.unit}"


class Warehouse(TimeStampedModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    site = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="warehouses", verbose_name=_("site"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """Stock of one part in one warehouse. The database refuses a negative quantity, so two racing issues
    can never take more than there is (the conditional UPDATE in services is the first line)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock", verbose_name=_("part"))
    quantity = models.IntegerField(_("on hand"), default=0)
    safe_quantity = models.PositiveIntegerField(_("safe stock"), default=0)

    class Meta:
        ordering = ["warehouse", "part"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "part"], name="stock_unique_part_per_warehouse"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_never_negative"),
        ]
        verbose_name = _("stock")
        verbose_name_plural = _("stock")


class TechnicianProfile(TimeStampedModel):
    """A technician's trade, shift, home base and daily capacity. Skills (trade × level) are rows of Skill."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="technician",
                                verbose_name=_("technician"))
    trade = models.CharField(_("main trade"), max_length=20, choices=Trade.choices)
    shift_start = models.TimeField(_("shift starts"), default="08:30")
    shift_end = models.TimeField(_("shift ends"), default="17:30")
    capacity_minutes = models.PositiveIntegerField(_("daily capacity (minutes)"), default=420)
    base_lat = models.DecimalField(_("base latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    base_lng = models.DecimalField(_("base longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["trade", "user__username"]
        constraints = [models.CheckConstraint(condition=Q(shift_end__gt=F("shift_start")), name="tech_shift_ordered")]
        verbose_name = _("technician profile")
        verbose_name_plural = _("technician profiles")

    def __str__(self) -> str:
        return str(self.user)


class Skill(models.Model):
    technician = models.ForeignKey(TechnicianProfile, on_delete=models.CASCADE, related_name="skills")
    trade = models.CharField(_("trade"), max_length=20, choices=Trade.choices)
    level = models.PositiveSmallIntegerField(_("level"), validators=[MinValueValidator(1), MaxValueValidator(3)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["technician", "trade"], name="skill_unique_trade"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="skill_level_1_3"),
        ]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")


class FieldJob(TimeStampedModel):
    """The field part of one order: job type, priority class, warranty, diagnosis, acceptance and payment."""

    class PriorityClass(models.TextChoices):
        EMERGENCY = "emergency", _("Emergency")
        RECALL = "recall", _("Recall / service campaign")
        REWORK = "rework", _("Rework")
        APPOINTMENT = "appointment", _("Appointment")
        NORMAL = "normal", _("Normal")

    class Warranty(models.TextChoices):
        UNDECIDED = "undecided", _("Not decided")
        COVERED = "covered", _("Covered by warranty")
        NOT_COVERED = "not_covered", _("Not covered")
        ASSESSMENT = "assessment", _("Needs assessment")

    class Payment(models.TextChoices):
        NONE = "", _("Not recorded")
        DESK = "desk", _("Paid at the desk")
        ON_SITE = "on_site", _("Collected on site")
        WARRANTY = "warranty", _("Warranty / free")

    work_order = models.OneToOneField(WorkOrder, on_delete=models.CASCADE, related_name="field_job")
    job_type = models.ForeignKey(JobType, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("job type"))
    is_recall = models.BooleanField(_("recall / service campaign"), default=False)
    rework_of = models.ForeignKey(WorkOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("rework of"), db_index=False)  # indexed where set: see Meta
    diagnosis = models.TextField(_("diagnosis"), max_length=2000, blank=True)
    warranty = models.CharField(_("warranty"), max_length=12, choices=Warranty.choices, default=Warranty.UNDECIDED)
    warranty_note = models.CharField(_("warranty note"), max_length=300, blank=True)
    warranty_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="+")
    pre_authorised = models.CharField(_("may do without asking again"), max_length=500, blank=True)
    started_at = models.DateTimeField(_("work started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    acceptance = models.ForeignKey("Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payment_method = models.CharField(_("payment"), max_length=10, choices=Payment.choices, blank=True, default="")
    payment_amount = models.DecimalField(_("amount paid"), max_digits=10, decimal_places=2, null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("field job")
        verbose_name_plural = _("field jobs")
        # staff performance reads a period's completed jobs: without it, every order of the site is joined (2 s at
        # 1 M orders on SQLite)
        indexes = [models.Index(fields=["completed_at"], name="field_job_completed"),
                   # 3 % of jobs are reworks: "was this job reworked?" for a month's jobs reads a small index (PostgreSQL
                   # hashed all 200k entries of the full one, 17 of the staff page's 62 ms at 1 M orders)
                   models.Index(fields=["rework_of"], condition=models.Q(rework_of__isnull=False),
                                name="field_job_rework_of")]
        permissions = [
            ("approve_field", _("Can approve warranty assessments and off-list quote items")),
            ("issue_materials", _("Can issue materials from the warehouse")),
        ]

    @property
    def priority_class(self) -> str:
        order = self.work_order
        if order.is_emergency:
            return self.PriorityClass.EMERGENCY
        if self.is_recall:
            return self.PriorityClass.RECALL
        if self.rework_of_id:
            return self.PriorityClass.REWORK
        return self.PriorityClass.NORMAL

    @property
    def priority_class_label(self) -> str:
        return self.PriorityClass(self.priority_class).label


class Appointment(models.Model):
    """C1: a visit window agreed with the customer. Rescheduling adds a row; only one is current."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="appointments")
    window_from = models.DateTimeField(_("from"))
    window_to = models.DateTimeField(_("to"))
    agreed_with = models.CharField(_("agreed with"), max_length=50)
    reason = models.CharField(_("reason for the change"), max_length=200, blank=True)
    is_current = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(window_to__gt=F("window_from")), name="appointment_window_ordered"),
            models.UniqueConstraint(fields=["work_order"], condition=Q(is_current=True),
                                    name="appointment_one_current"),
        ]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")


class Assignment(models.Model):
    """每日工作分派登记表: one dispatch of an order to a technician for a planned time. Never deleted; a
    re-dispatch cancels the previous row. `warnings` keeps the rules an override broke, with the reason."""

    class Source(models.TextChoices):
        PLAN = "plan", _("Accepted from the proposed plan")
        MANUAL = "manual", _("Assigned by hand")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="assignments")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments",
                                   verbose_name=_("technician"))
    day = models.DateField(_("day"), db_index=True)
    planned_start = models.DateTimeField(_("planned start"))
    planned_end = models.DateTimeField(_("planned end"))
    travel_minutes = models.PositiveIntegerField(_("travel (minutes)"), default=0)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    warnings = models.JSONField(default=list, blank=True)
    override_reason = models.CharField(_("reason for the override"), max_length=200, blank=True)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name=_("dispatched by"))
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["planned_start", "id"]
        indexes = [models.Index(fields=["technician", "day"], name="assignment_tech_day")]
        constraints = [
            models.CheckConstraint(condition=Q(planned_end__gt=F("planned_start")), name="assignment_ordered"),
            models.UniqueConstraint(fields=["work_order"], condition=Q(cancelled_at__isnull=True),
                                    name="assignment_one_active"),
        ]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignment register")


class Delay(models.Model):
    """C3: why a job is late; a new promised time is only valid with the customer's recorded consent."""

    class Reason(models.TextChoices):
        PARTS = "parts", _("Waiting for parts")
        OUTSOURCING = "outsourcing", _("Outsourcing")
        REWORK = "rework", _("Rework")
        ADDED_ITEMS = "added_items", _("Added items")
        OTHER = "other", _("Other")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="delays")
    reason = models.CharField(_("reason"), max_length=15, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    new_promise = models.DateTimeField(_("new promised time"), null=True, blank=True)
    consent_by = models.CharField(_("customer consent given by"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(new_promise__isnull=True) | ~Q(consent_by=""),
                                              name="delay_new_promise_needs_consent")]
        verbose_name = _("delay")
        verbose_name_plural = _("delays")


class Visit(models.Model):
    """C4: one trip to the customer — travel, arrival or nobody home (with the wait and the note left)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="visits")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    travel_started_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    nobody_home_at = models.DateTimeField(null=True, blank=True)
    waited_minutes = models.PositiveIntegerField(null=True, blank=True)
    note_left = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        # staff performance: a period's arrivals, by this index — without it SQLite walked a site's orders (60 ms)
        indexes = [models.Index(fields=["arrived_at"], name="visit_arrived")]


class Signature(PublicIdMixin, models.Model):
    """A customer's signature drawn on the phone: the PNG, when, who, and a SHA-256 of the image and the
    signed content so a later change of either is detectable."""

    class Purpose(models.TextChoices):
        INSPECTION = "inspection", _("Inspection report")
        QUOTE_APPROVED = "quote_approved", _("Quote approved")
        QUOTE_DECLINED = "quote_declined", _("Quote declined")
        ACCEPTANCE = "acceptance", _("Acceptance")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="signatures")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    signer_name = models.CharField(_("signed by"), max_length=50)
    image = models.BinaryField()
    content = models.TextField(blank=True)  # what was signed, as shown to the customer
    sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["signed_at"]


class Inspection(models.Model):
    """C5 外观检查报告: OK/NG per point with the problem noted, a photo, the customer's signature."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="inspections")
    items = models.JSONField(default=list)  # [{"point": "外观", "ok": true, "note": ""}]
    photo = models.ForeignKey(Attachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    signature = models.ForeignKey(Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class Quote(models.Model):
    """C7 估价单. Once approved or declined a revision is frozen; a change makes the next revision."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        NEEDS_APPROVAL = "needs_approval", _("Waiting for a supervisor")
        READY = "ready", _("Ready for the customer")
        APPROVED = "approved", _("Approved by the customer")
        DECLINED = "declined", _("Declined by the customer")
        SUPERSEDED = "superseded", _("Replaced by a newer revision")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="quotes")
    revision = models.PositiveIntegerField(_("revision"), default=1)
    status = models.CharField(_("status"), max_length=15, choices=Status.choices, default=Status.DRAFT)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=Decimal("0"))
    signature = models.ForeignKey(Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-revision"]
        constraints = [models.UniqueConstraint(fields=["work_order", "revision"], name="quote_unique_revision")]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    @property
    def is_frozen(self) -> bool:
        return self.status in (self.Status.APPROVED, self.Status.DECLINED, self.Status.SUPERSEDED)


class QuoteItem(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=10, choices=PriceItem.Kind.choices)
    price_item = models.ForeignKey(PriceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("item"), max_length=100)
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2, validators=POSITIVE)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2, validators=POSITIVE)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")  # off-list items only

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0, unit_price__gt=0),
                                              name="quoteitem_positive")]

    @property
    def off_list(self) -> bool:
        return self.price_item_id is None


class MaterialRequisition(PublicIdMixin, models.Model):
    """C8 领料单: parts a job needs, issued by the warehouse (stock decremented) or supplied by the customer."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ISSUED = "issued", _("Issued")
        CANCELLED = "cancelled", _("Cancelled")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="requisitions")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="requisitions",
                                  verbose_name=_("warehouse"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("material requisition")
        verbose_name_plural = _("material requisitions")


class MaterialRequisitionLine(models.Model):
    requisition = models.ForeignKey(MaterialRequisition, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=100, blank=True)  # customer-supplied parts have no part number
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    customer_supplied = models.BooleanField(default=False)
    inspection_note = models.CharField(max_length=200, blank=True)
    in_stock_when_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="reqline_quantity_positive")]


class StepToken(models.Model):
    """A phone step's one-time token: a step re-sent after a lost connection is recognised, not repeated."""

    token = models.CharField(max_length=64, unique=True)
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
