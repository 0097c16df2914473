"""H5 QA review (质检): an inspector draws a reproducible random sample of an agent's contacts or closed orders,
scores each against the checklist the administrator edits (weighted items; a failed fatal item scores 0), and the
agent sees the result and may appeal once. Scores feed staff performance."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Checklist(models.Model):
    name = models.CharField(_("name"), max_length=60)
    is_active = models.BooleanField(_("in use"), default=True,
                                    help_text=_("New samples use the checklist in use; reviews keep the items they "
                                                "were scored with."))

    class Meta:
        verbose_name = _("QA checklist")
        verbose_name_plural = _("QA checklists")
        permissions = [("review_qa", _("Can draw QA samples, score them and decide appeals"))]

    def __str__(self):
        return self.name


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("item"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("points"), default=10)
    is_fatal = models.BooleanField(_("fatal"), default=False,
                                   help_text=_("Failing it makes the whole review score 0 (e.g. leaking a customer's "
                                               "data, abusing a customer)."))
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self):
        return self.text


class Sample(models.Model):
    class Source(models.TextChoices):
        CONTACTS = "contacts", _("Contacts (calls, visits, mails)")
        ORDERS = "orders", _("Closed work orders")

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("agent"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("inspector"))
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("what"), max_length=10, choices=Source.choices)
    since = models.DateField(_("from"))
    until = models.DateField(_("to"))
    size = models.PositiveSmallIntegerField(_("sample size"))
    seed = models.PositiveIntegerField(_("seed"), help_text=_("The same seed draws the same sample again."))
    population = models.PositiveIntegerField(_("population"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("QA sample")
        verbose_name_plural = _("QA samples")


class Review(models.Model):
    class Appeal(models.TextChoices):
        NONE = "", _("No appeal")
        OPEN = "open", _("Appeal waiting")
        UPHELD = "upheld", _("Score kept")
        CHANGED = "changed", _("Score changed")

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="reviews")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey("intake.ContactLog", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    work_order = models.ForeignKey("workorders.WorkOrder", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    failed_items = models.JSONField(_("items failed"), default=list, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    appeal = models.CharField(_("appeal"), max_length=8, choices=Appeal.choices, default=Appeal.NONE, blank=True)
    appeal_text = models.TextField(_("appeal"), max_length=2000, blank=True)
    appeal_note = models.TextField(_("answer to the appeal"), max_length=2000, blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["agent", "scored_at"], name="qa_review_agent_scored")]
        verbose_name = _("QA review")
        verbose_name_plural = _("QA reviews")
