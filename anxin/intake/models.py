from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import OrgUnit
from anxin.core.models import PublicIdMixin, TimeStampedModel
from anxin.customers.models import Customer
from anxin.workorders.models import Channel, WorkOrder


class ContactLog(PublicIdMixin, TimeStampedModel):
    """A3 / S2 电话记录本: one call or visit as the agent logged it, order or not.

    `work_order` is the order this contact created or chased; `is_urge` marks a chase (催办).
    """

    class Category(models.TextChoices):
        GENERAL = "general", _("General call")
        BUSINESS = "business", _("Business")
        INSTALL_REPAIR = "install_repair", _("Installation / repair")
        COMPLAINT = "complaint", _("Complaint")

    site = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.HOTLINE)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="contact_logs", verbose_name=_("customer"))
    caller_name = models.CharField(_("caller name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    received_at = models.DateTimeField(_("date / time"))
    category = models.CharField(_("call category"), max_length=20, choices=Category.choices)
    product_no = models.CharField(_("product no."), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    spec = models.CharField(_("specification"), max_length=60, blank=True)
    fault_symptom = models.CharField(_("fault symptom"), max_length=200, blank=True)
    taker = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("taken by"))
    requested_visit_at = models.DateTimeField(_("requested visit time"), null=True, blank=True)
    content = models.TextField(_("content"), max_length=5000)
    handling_opinion = models.CharField(_("handling opinion"), max_length=500, blank=True)
    result = models.CharField(_("result"), max_length=500, blank=True)
    resolver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("resolved by"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    work_order = models.ForeignKey(WorkOrder, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="contact_logs", verbose_name=_("work order"))
    is_urge = models.BooleanField(_("urge"), default=False)
    # A12: how the switch was told to route the call this contact came from (language routing)
    route = models.ForeignKey("CallRoute", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("routing"))
    # D7: abusive-contact protocol — warnings given (at most 3), then a shift lead may end the contact.
    warnings = models.PositiveSmallIntegerField(_("warnings given"), default=0)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("ended by"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # The form's one-time token: a double submit returns the first log instead of a second one.
    client_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["customer", "received_at"], name="contactlog_customer_time"),
                   # a site's contacts of a period (the register; staff performance: contacts and handling time per
                   # taker from the index alone — read from the table, a month's rows were 25 of its 150 ms)
                   models.Index(fields=["site", "received_at", "taker", "work_order", "done_at"],
                                name="contactlog_site_taker")]
        verbose_name = _("contact log")
        verbose_name_plural = _("contact logs")


class IncomingCall(TimeStampedModel):
    """A call the CTI switch announced (A2); the agent's screen picks it up and pops the archive."""

    call_id = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=32)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class CallRoute(TimeStampedModel):
    """A12: how the switch was told to offer one call — to the free agents with the caller's language first, or to
    everyone (no such agent free, or none at all), and whether it fell back after the wait. The record stays with
    the call, for the lead and for the language report."""

    class Decision(models.TextChoices):
        SKILLED = "skilled", _("Offered to agents with the caller's language")
        GENERAL = "general", _("General queue")
        NO_SKILLED_FREE = "none_free", _("General queue: nobody with the language free")
        NO_SKILLED_AT_ALL = "none_at_all", _("General queue: nobody has the language")
        FELL_BACK = "fell_back", _("General queue after the wait")

    call_id = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=32)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    site = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(_("language"), max_length=5, blank=True)
    decision = models.CharField(_("routing"), max_length=12, choices=Decision.choices)
    offered = models.JSONField(default=list)  # usernames, in the order offered
    fell_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["language", "created_at"], name="callroute_language"),
                   models.Index(fields=["phone", "-created_at"], name="callroute_phone")]


class CounterDesk(TimeStampedModel):
    """A4: an agent serving at a counter window of a site. Open while `closed_at` is empty; one open desk per agent."""

    site = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                              verbose_name=_("agent"))
    label = models.CharField(_("window"), max_length=20)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["label"]
        constraints = [models.UniqueConstraint(fields=["agent"], condition=models.Q(closed_at__isnull=True),
                                               name="counterdesk_one_open_per_agent")]
        verbose_name = _("counter window")
        verbose_name_plural = _("counter windows")


class CounterTicket(PublicIdMixin, TimeStampedModel):
    """A4: a walk-in customer's queue number. Appointment holders (prefix Y) are called before the others (A),
    each group first come first served. Serving ends with a contact log line, like a call."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        CALLED = "called", _("Called")
        DONE = "done", _("Served")
        LEFT = "left", _("Did not come")

    site = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    day = models.DateField(_("day"))
    seq = models.PositiveIntegerField()
    has_appointment = models.BooleanField(_("has an appointment"), default=False)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("customer"))
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    purpose = models.CharField(_("what they came for"), max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.WAITING)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("taken by"))
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    desk = models.ForeignKey(CounterDesk, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets",
                             verbose_name=_("window"))
    served_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("served by"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    contact_log = models.OneToOneField(ContactLog, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="counter_ticket", verbose_name=_("contact log"))
    client_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["day", "-has_appointment", "seq"]
        constraints = [models.UniqueConstraint(fields=["site", "day", "has_appointment", "seq"],
                                               name="counterticket_number_once")]
        indexes = [models.Index(fields=["site", "day", "state"], name="counterticket_queue")]
        verbose_name = _("queue number")
        verbose_name_plural = _("queue numbers")

    @property
    def number(self) -> str:
        return f"{'Y' if self.has_appointment else 'A'}{self.seq:03d}"
