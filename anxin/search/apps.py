from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "anxin.search"
    verbose_name = _("Search")
    label = "search"

    def ready(self):
        from anxin.core.signals import record_changed
        from anxin.search import services

        record_changed.connect(services.on_record_changed, dispatch_uid="search-index")
