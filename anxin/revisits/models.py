from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.core.models import TimeStampedModel
from anxin.workorders.models import WorkOrder

SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class Scores(models.Model):
    """The aspects a customer scores 1–5 on a call (F2), shared by revisits and panel surveys."""

    timeliness = models.PositiveSmallIntegerField(_("timeliness"), null=True, blank=True, validators=SCORE)
    attitude = models.PositiveSmallIntegerField(_("attitude"), null=True, blank=True, validators=SCORE)
    quality = models.PositiveSmallIntegerField(_("quality"), null=True, blank=True, validators=SCORE)
    price = models.PositiveSmallIntegerField(_("price"), null=True, blank=True, validators=SCORE)
    overall = models.PositiveSmallIntegerField(_("overall"), null=True, blank=True, validators=SCORE)
    comments = models.TextField(_("comments"), max_length=2000, blank=True)

    class Meta:
        abstract = True


class Revisit(Scores, TimeStampedModel):
    """F1/F2: the follow-up call after a completed field order, due within 3 business days.

    `attempts` counts calls; a call that does not reach the customer schedules the next at `next_call_at`
    (after MAX_ATTEMPTS it is closed as not reached). Scores are 1–5 per aspect and overall.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("To call")
        DONE = "done", _("Done")
        NOT_REACHED = "not_reached", _("Not reached")

    work_order = models.OneToOneField(WorkOrder, on_delete=models.CASCADE, related_name="revisit",
                                      verbose_name=_("work order"))
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_call_at = models.DateTimeField(_("next call"), null=True, blank=True)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("agent"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="revisit_status_due"),
                   # the reports: revisits due in a period (coverage), done in a period (CSI)
                   models.Index(fields=["due_at"], name="revisit_due"),
                   # status first: with sampled statistics SQLite otherwise reads every done revisit by status
                   models.Index(fields=["status", "done_at"], name="revisit_done")]
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")


class SelfRating(TimeStampedModel):
    """F4: the customer's own rating through a signed link; one per order, never edited by staff."""

    work_order = models.OneToOneField(WorkOrder, on_delete=models.CASCADE, related_name="self_rating")
    overall = models.PositiveSmallIntegerField(_("overall"), validators=SCORE)
    timeliness = models.PositiveSmallIntegerField(_("timeliness"), validators=SCORE)
    attitude = models.PositiveSmallIntegerField(_("attitude"), validators=SCORE)
    quality = models.PositiveSmallIntegerField(_("quality"), validators=SCORE)
    comment = models.CharField(_("comments"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # CSI reads a period's ratings: by this index, not by walking the period's orders (150 ms at 1 M)
        indexes = [models.Index(fields=["created_at"], name="selfrating_created")]
        verbose_name = _("customer rating")
        verbose_name_plural = _("customer ratings")


class Panel(TimeStampedModel):
    """F5: a named fixed-customer panel (固定客户群) of one site, surveyed every quarter to follow the trend."""

    name = models.CharField(_("name"), max_length=60)
    site = models.ForeignKey("accounts.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("site"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer panel")
        verbose_name_plural = _("customer panels")

    def __str__(self) -> str:
        return self.name


class PanelMember(models.Model):
    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("customer"))
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["panel", "customer"], name="panel_member_unique")]


class PanelSurvey(Scores, TimeStampedModel):
    """One member's survey in one quarter ("2026Q4"), scored like a revisit."""

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="surveys")
    quarter = models.CharField(_("quarter"), max_length=6)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=Revisit.Status.choices, default=Revisit.Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("agent"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["quarter", "id"]
        constraints = [models.UniqueConstraint(fields=["member", "quarter"], name="panel_survey_once_a_quarter")]
        verbose_name = _("panel survey")
        verbose_name_plural = _("panel surveys")
