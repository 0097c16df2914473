from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "anxin.intake"
    label = "intake"
