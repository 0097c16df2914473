from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.core.models import TimeStampedModel
from anxin.customers.models import Customer
from anxin.workorders.models import WorkOrder


class InboundMail(TimeStampedModel):
    """A6: one mail fetched from the service mailbox and what became of it.

    Unique on (mailbox, message_id): the row is written in the same transaction as the order or
    message it made, so a fetch killed before the mail was flagged on the server finds the row the
    next time and creates nothing twice (SECURITY-CASES 21).
    """

    class Outcome(models.TextChoices):
        ORDER = "order", _("New order")
        THREADED = "threaded", _("Added to an order")
        IGNORED = "ignored", _("Ignored (automatic mail)")
        QUARANTINED = "quarantined", _("Quarantined")

    mailbox = models.CharField(_("mailbox"), max_length=120)
    message_id = models.CharField(_("Message-ID"), max_length=255)
    uid = models.PositiveBigIntegerField(_("IMAP UID"), null=True, blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True, db_index=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    work_order = models.ForeignKey(WorkOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("work order"))
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("customer"))
    # kept for a person to look at: the raw mail of a quarantined or ignored message (bounded by MAIL_MAX_BYTES)
    raw_name = models.CharField(max_length=80, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["mailbox", "message_id"], name="inboundmail_once")]
        indexes = [models.Index(fields=["work_order"], name="inboundmail_order")]
        verbose_name = _("inbound mail")
        verbose_name_plural = _("inbound mails")
