from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "anxin.sla"
    label = "sla"
