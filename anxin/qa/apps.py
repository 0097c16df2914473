from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "anxin.qa"
    verbose_name = _("QA review")
    default_auto_field = "django.db.models.BigAutoField"
