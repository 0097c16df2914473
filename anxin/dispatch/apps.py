from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "anxin.dispatch"
    label = "dispatch"
