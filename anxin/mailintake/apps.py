from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailIntakeConfig(AppConfig):
    name = "anxin.mailintake"
    verbose_name = _("Email intake")
    label = "mailintake"

    def ready(self) -> None:
        from anxin.mailintake import checks  # noqa: F401  (registers the system checks)
