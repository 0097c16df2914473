"""The customer portal's own records: one-time sign-in codes and the attempts the throttles count."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginCode(models.Model):
    """A one-time SMS code for a mobile number. Only an HMAC of the code is kept; used or expired codes stay
    for the throttle's count and are purged by age."""

    phone = models.CharField(_("phone"), max_length=32)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["phone", "-created_at"], name="portal_code_phone")]
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")


