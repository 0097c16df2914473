import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from anxin.core.languages import Language
from anxin.core.models import PublicIdMixin, TimeStampedModel


class OrgUnit(PublicIdMixin, TimeStampedModel):
    """A node of the org tree: HQ → branch → site (community / service point).

    `path` is the chain of ids ("/1/4/9/") so a subtree is one prefix match.
    """

    class Kind(models.TextChoices):
        HQ = "hq", _("Headquarters")
        BRANCH = "branch", _("Branch")
        SITE = "site", _("Site")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["path"]
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """This unit and every unit above it, HQ first (from the materialised path)."""
        return [int(x) for x in self.path.strip("/").split("/") if x]


class User(AbstractUser):
    """A staff member. `org_unit` is both where they work and the root of what they may see."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="members",
                                 verbose_name=_("org unit"))
    employee_no = models.CharField(_("employee no."), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(TimeStampedModel):
    """A per-user API token. Only a SHA-256 of the secret is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")
        FIELD = "field", _("Field app (field steps, read the rest)")

    # issue 13: a token does only what its scope allows (on top of its user's rights) and stops working when expired
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.WRITE)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def allows(self, method: str, path: str) -> bool:
        """Whether this token's scope covers the request (the user's permissions are checked as usual after)."""
        if method in ("GET", "HEAD", "OPTIONS") or self.scope == self.Scope.WRITE:
            return True
        return self.scope == self.Scope.FIELD and path.startswith("/api/field/")

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class OnDuty(models.Model):
    """The on-duty roster (值班表): who answers emergencies at night and on holidays (A9). Moved from field in
    accounts.0003: it belongs to the staff, and accounts reads it for `on_duty_for`."""

    class Kind(models.TextChoices):
        NIGHT = "night", _("Night")
        HOLIDAY = "holiday", _("Holiday")

    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("technician"))
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta:
        ordering = ["day", "kind"]
        constraints = [models.UniqueConstraint(fields=["technician", "day", "kind"], name="onduty_unique")]
        verbose_name = _("on-duty shift")
        verbose_name_plural = _("on-duty roster")


class LanguageSkill(models.Model):
    """A12: a language an agent serves customers in, with a level (1 gets by … 5 native); routing offers a
    caller who prefers it to the free agents who have it, the best first."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="language_skill_set")
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    level = models.PositiveSmallIntegerField(_("level"), default=3, validators=[MinValueValidator(1),
                                                                              MaxValueValidator(5)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "language"], name="languageskill_once"),
                       models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5),
                                              name="languageskill_level_1_5")]
        indexes = [models.Index(fields=["language", "-level"], name="languageskill_language")]
        verbose_name = _("language skill")
        verbose_name_plural = _("language skills")

    def __str__(self) -> str:
        return f"{self.get_language_display()} {self.level}"
