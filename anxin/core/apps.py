from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "anxin.core"
    label = "core"

    def ready(self) -> None:
        from anxin.core import checks  # noqa: F401  (registers the system checks)
