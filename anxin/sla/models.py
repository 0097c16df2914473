from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import OrgUnit
from anxin.core.models import TimeStampedModel
from anxin.workorders.models import Priority, WorkOrder
from anxin.workorders.states import Type


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    ARRIVAL = "arrival", _("On-site arrival")
    RESOLUTION = "resolution", _("Resolution")
    COMPLAINT_FEEDBACK = "complaint_feedback", _("Complaint feedback")
    # D3: a complaint's customer hears of progress at least this often until it is resolved (each reply restarts it)
    PROGRESS_UPDATE = "progress_update", _("Progress update")
    # D3: the handling form (投诉处理单) comes back within this time of resolution
    HANDLING_FORM = "handling_form", _("Handling form back")


class ClockKind(models.TextChoices):
    BUSINESS = "business", _("Business hours")
    ALWAYS = "24x7", _("24×7")


class SlaPolicy(TimeStampedModel):
    """E1: a promised time for one metric, for orders matching tier × type × priority (blank = any).

    The most specific active policy wins. Changing a policy affects orders created afterwards only:
    each clock copies its target when it starts. `ladder` lists the roles to notify, one step each
    `escalate_every_minutes` after a breach (owner → department head → service manager → general manager).
    """

    name = models.CharField(_("name"), max_length=80)
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    tier = models.CharField(_("customer tier"), max_length=10, blank=True)
    type = models.CharField(_("order type"), max_length=20, choices=Type.choices, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, null=True, blank=True)
    target_minutes = models.PositiveIntegerField(_("target (minutes)"), validators=[MinValueValidator(1)])
    clock = models.CharField(_("clock"), max_length=10, choices=ClockKind.choices, default=ClockKind.BUSINESS)
    warn_at_percent = models.PositiveSmallIntegerField(_("warn at (percent of target)"), default=80,
                                                       validators=[MinValueValidator(1), MaxValueValidator(99)])
    ladder = models.CharField(_("escalation ladder"), max_length=200,
                              default="owner,dept_head,service_manager,general_manager",
                              help_text=_("Comma-separated: owner, dept_head, service_manager, general_manager"))
    escalate_every_minutes = models.PositiveIntegerField(_("escalate every (minutes)"), default=60,
                                                         validators=[MinValueValidator(1)])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["metric", "name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [models.CheckConstraint(condition=models.Q(target_minutes__gt=0), name="sla_target_positive")]

    def __str__(self) -> str:
        return self.name


class BusinessHours(TimeStampedModel):
    """E2: a site's working hours, e.g. "08:30-12:00,13:30-17:30". A row without a site is the default."""

    site = models.OneToOneField(OrgUnit, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("site"))
    hours = models.CharField(_("working hours"), max_length=100, default="08:30-12:00,13:30-17:30")

    class Meta:
        ordering = ["id"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")

    def clean(self):
        from anxin.sla.calendar import CalendarError, parse_hours

        try:
            parse_hours(self.hours)
        except CalendarError as exc:
            raise ValidationError({"hours": _("Write working hours like 08:30-12:00,13:30-17:30: each period ends "
                                              "after it starts, in order, without overlaps.")}) from exc


class CalendarOverride(TimeStampedModel):
    """E2: a local closure or an extra working day, for one site or (no site) for all, from start to end."""

    site = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("site"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    is_workday = models.BooleanField(_("working day"), default=False,
                                     help_text=_("Ticked: open on these days; unticked: closed."))
    reason = models.CharField(_("reason"), max_length=100)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        constraints = [models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                              name="calendar_override_ordered")]

    def clean(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end must not be before the start.")})


class PublishedYear(TimeStampedModel):
    """A year the holiday package does not know yet, whose holidays an administrator entered as overrides."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=[MinValueValidator(2000)])

    class Meta:
        ordering = ["year"]
        verbose_name = _("published year")
        verbose_name_plural = _("published years")


class Clock(models.Model):
    """E3: one promise on one order. Derived by `sla.services.clocks_sync` from the order's timeline.

    `due_at` is empty while the clock is paused (waiting for the customer or parts); `remaining_minutes`
    then holds what is left. `warn_at` is when the warning share of the target is used up.
    """

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        MET = "met", _("Met")
        BREACHED = "breached", _("Breached")
        STOPPED = "stopped", _("Stopped (order cancelled)")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="clocks")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="+")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    target_minutes = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    remaining_minutes = models.FloatField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["work_order", "metric"]
        constraints = [models.UniqueConstraint(fields=["work_order", "metric"], name="clock_one_per_metric")]
        indexes = [
            models.Index(fields=["state", "warn_at"], name="clock_state_warn"),
            models.Index(fields=["state", "due_at"], name="clock_state_due"),
            models.Index(fields=["state", "next_escalation_at"], name="clock_state_escalate"),
        ]


class Commitment(TimeStampedModel):
    """E5/A10: a promise an agent made by hand — call back within 30 minutes, visit on a date.

    `outcome` stays open until someone records kept / missed / cancelled; "kept" after the due time is
    recorded as missed (a late callback did not keep the promise). `reminded_at` / `overdue_at` mark the
    sweep's notifications so each is sent once.
    """

    class Kind(models.TextChoices):
        CALLBACK = "callback", _("Call back")
        VISIT = "visit", _("Visit")
        COMPLETION = "completion", _("Completion")
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        KEPT = "kept", _("Kept")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="commitments",
                                   verbose_name=_("work order"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.CALLBACK)
    description = models.CharField(_("what was promised"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commitments",
                              verbose_name=_("owner"))
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    due_at = models.DateTimeField(_("due"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_note = models.CharField(_("note"), max_length=200, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["outcome", "due_at"], name="commitment_open_due"),
                   models.Index(fields=["owner", "outcome", "due_at"], name="commitment_owner_due")]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")


class SweepCursor(models.Model):
    """How far the sweep has read the timeline (the last WorkOrderEvent id it turned into clocks)."""

    name = models.CharField(max_length=30, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
