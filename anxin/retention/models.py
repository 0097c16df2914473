"""B4 retention: purge batches (proposed monthly or on a customer's PIPL request, reviewed by a data officer,
purged item by item) and legal holds."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.core.models import PublicIdMixin, TimeStampedModel
from anxin.customers.models import Customer
from anxin.workorders.models import WorkOrder


class LegalHold(TimeStampedModel):
    """A customer whose data must be kept (a dispute, a court, a regulator): never purged while it stands."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    reason = models.CharField(_("reason"), max_length=200)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")


class PurgeBatch(PublicIdMixin, TimeStampedModel):
    class Kind(models.TextChoices):
        RETENTION = "retention", _("Past retention")
        REQUEST = "request", _("Customer's deletion request")

    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("purge batch", "Proposed")
        HELD = "held", _("Held")
        APPROVED = "approved", _("Approved, purging")
        DONE = "done", _("Purged")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")  # None: the monthly task
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("note"), max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("purge batch")
        verbose_name_plural = _("purge batches")
        permissions = [("review_purge", _("Can approve or hold purge batches")),
                       ("export_customer_data", _("Can export all data held on one customer"))]


class PurgeItem(models.Model):
    """One archive (customer) or one work order in a batch; purged in its own transaction, so a purge that stops
    half-way resumes at the next pending item and nothing is left half purged."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("purge item", "Pending")
        PURGED = "purged", pgettext_lazy("purge item", "Purged")
        SKIPPED = "skipped", pgettext_lazy("purge item", "Skipped")

    batch = models.ForeignKey(PurgeBatch, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    work_order = models.ForeignKey(WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    skip_reason = models.CharField(max_length=200, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch", "customer"], name="purgeitem_customer_once"),
            models.UniqueConstraint(fields=["batch", "work_order"], name="purgeitem_order_once"),
            models.CheckConstraint(condition=models.Q(customer__isnull=False) | models.Q(work_order__isnull=False),
                                   name="purgeitem_names_something"),
        ]
        indexes = [models.Index(fields=["batch", "state"], name="purgeitem_batch_state")]
