from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "anxin.knowledge"
    verbose_name = _("Knowledge base")
    label = "knowledge"
