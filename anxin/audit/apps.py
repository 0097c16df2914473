from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "anxin.audit"
    label = "audit"
