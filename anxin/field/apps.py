from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "anxin.field"
    label = "field"
