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
    # D7: abusive-contact protocol — warnings given (at most 3), then a shift lead may end the contact.
    warnings = models.PositiveSmallIntegerField(_("warnings given"), default=0)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("ended by"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # The form's one-time token: a double submit returns the first log instead of a second one.
    client_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["customer", "received_at"], name="contactlog_customer_time")]
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
