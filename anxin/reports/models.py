from django.db import models
from django.utils.translation import gettext_lazy as _


class Report(models.Model):
    """No table: the permissions of the management reports (H1–H6) need a model to hang on."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dashboard", _("Can see the dashboard and the type statistics of their scope")),
            ("view_staff_performance", _("Can see staff performance and every agent's daily register")),
        ]
