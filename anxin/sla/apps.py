from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "anxin.sla"
    verbose_name = _("Promises (SLA)")
    label = "sla"
