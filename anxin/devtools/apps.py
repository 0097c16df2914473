from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    name = "anxin.devtools"
    label = "devtools"
    verbose_name = "Developer tools"
