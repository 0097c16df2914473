from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "anxin.core"
    verbose_name = _("Core")
    label = "core"

    def ready(self) -> None:
        from anxin.core import checks  # noqa: F401  (registers the system checks)
        from anxin.core.choices import install

        install()
