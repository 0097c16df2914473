from django.apps import AppConfig


class RevisitsConfig(AppConfig):
    name = "anxin.revisits"
    label = "revisits"
