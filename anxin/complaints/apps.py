from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "anxin.complaints"
    label = "complaints"
