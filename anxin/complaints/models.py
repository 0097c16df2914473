from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.accounts.roles import Role
from anxin.core.models import TimeStampedModel
from anxin.workorders.models import WorkOrder


class Complaint(TimeStampedModel):
    """D1/D2: what a complaint order is about. The order itself carries status, owner and timeline.

    `severity` is at least SEVERE for group complaints and threats to go to the media or a regulator.
    `expected_resolution_on` is the date the customer was told (the telling is a reply on the timeline).
    """

    class Category(models.TextChoices):
        ATTITUDE = "attitude", _("Staff attitude")
        TIMELINESS = "timeliness", _("Timeliness")
        QUALITY = "quality", _("Quality")
        PRICE = "price", _("Price")
        PRODUCT = "product", _("Product")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        NORMAL = "normal", _("Normal")
        SERIOUS = "serious", _("Serious")
        SEVERE = "severe", _("Severe")

    class Cause(models.TextChoices):
        """Why it happened, as the responsible department established it (深层原因): the quarterly analysis counts
        these. Not the category, which is what the customer complained about."""

        STAFF_CONDUCT = "staff", _("Staff conduct or skill")
        PROCESS = "process", _("Process or rule")
        WORKMANSHIP = "workmanship", _("Workmanship")
        PRODUCT = "product", _("Product or equipment")
        SCHEDULING = "scheduling", _("Capacity or scheduling")
        THIRD_PARTY = "third_party", _("Third party or outside cause")
        MISUNDERSTANDING = "misunderstanding", _("Customer misunderstanding")
        OTHER = "other", _("Other")

    work_order = models.OneToOneField(WorkOrder, on_delete=models.CASCADE, related_name="complaint",
                                      verbose_name=_("work order"))
    what_happened = models.TextField(_("what happened"), max_length=3000)
    customer_wants = models.CharField(_("what the customer wants"), max_length=500)
    category = models.CharField(_("complaint category"), max_length=12, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.NORMAL)
    is_group = models.BooleanField(_("group complaint (several customers, one cause)"), default=False)
    media_threat = models.BooleanField(_("threatens media or regulator"), default=False)
    about_order = models.ForeignKey(WorkOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("about order"))
    about_staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("about staff member"))
    expected_resolution_on = models.DateField(_("expected resolution date"), null=True, blank=True)
    # D3: the handling form (投诉处理单) signed off by the responsible department, back within 24 h of resolution
    handling_form_returned_at = models.DateTimeField(_("handling form returned"), null=True, blank=True)
    handling_form_note = models.CharField(_("handling form note"), max_length=300, blank=True)
    cause = models.CharField(_("root cause"), max_length=16, choices=Cause.choices, blank=True)  # from the form

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["category", "created_at"], name="complaint_category_time")]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    @property
    def is_vip(self) -> bool:
        """D3 green channel: complaints from these tiers get shorter targets (SLA policies by tier) and a senior owner."""
        customer = self.work_order.customer
        return customer is not None and customer.tier in settings.COMPLAINT_VIP_TIERS


class Proposal(TimeStampedModel):
    """D4/D5: one round's proposed remedy, its approval within the authorisation limits, and the customer's answer.

    Rounds are never edited away: a declined proposal stays, and the next round is a new row.
    """

    class Kind(models.TextChoices):
        REFUND = "refund", _("Refund")
        COMPENSATION = "compensation", _("Compensation")
        GIFT = "gift", _("Gift")
        APOLOGY = "apology", _("Written apology")

    class Approval(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Answer(models.TextChoices):
        PENDING = "pending", _("Not asked yet")
        ACCEPTED = "accepted", _("Customer agrees")
        DECLINED = "declined", _("Customer not satisfied")

    class Method(models.TextChoices):
        SIGNATURE = "signature", _("Signature")
        PHONE = "phone", _("Recorded phone consent")
        IN_PERSON = "in_person", _("In person")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="proposals")
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    kind = models.CharField(_("remedy"), max_length=15, choices=Kind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, default=Decimal("0"),
                                 validators=[MinValueValidator(Decimal("0"))])
    measures = models.CharField(_("measures"), max_length=500)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    approval = models.CharField(_("approval"), max_length=10, choices=Approval.choices, default=Approval.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    answer = models.CharField(_("customer's answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING)
    answer_method = models.CharField(_("how"), max_length=10, choices=Method.choices, blank=True)
    answer_by = models.CharField(_("confirmed by (name)"), max_length=50, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["complaint", "round", "id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")


class CorrectiveAction(TimeStampedModel):
    """D6: what the responsible department will change so it does not happen again (corrective: fix this
    case's cause; preventive: stop it elsewhere), with an owner and a due date."""

    class Kind(models.TextChoices):
        CORRECTIVE = "corrective", _("Corrective")
        PREVENTIVE = "preventive", _("Preventive")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("what will change"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")


class Case(TimeStampedModel):
    """D6/G3: a closed complaint kept as an anonymised case for learning (案例库)."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="case")
    title = models.CharField(_("title"), max_length=100)
    story = models.TextField(_("what happened (anonymised)"), max_length=3000)
    lesson = models.TextField(_("lesson"), max_length=2000)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("case library")


class AuthorisationLimit(TimeStampedModel):
    """D4: the most one role may grant per remedy without approval (yuan). Edited in the admin; while the table
    is empty the defaults in settings.COMPLAINT_LIMITS apply. A role without a row for a remedy may not propose it."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    kind = models.CharField(_("remedy"), max_length=12, choices=Proposal.Kind.choices)
    amount = models.DecimalField(_("limit (yuan)"), max_digits=10, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["role", "kind"]
        constraints = [models.UniqueConstraint(fields=["role", "kind"], name="limit_unique_role_kind"),
                       models.CheckConstraint(condition=models.Q(amount__gte=0), name="limit_not_negative")]
        verbose_name = _("authorisation limit")
        verbose_name_plural = _("authorisation limits")

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.get_kind_display()} ≤ {self.amount}"
