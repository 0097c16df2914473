from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "anxin.search"
    verbose_name = _("Search")
    label = "search"

    def ready(self):
        from django.conf import settings

        from anxin.core.signals import record_changed
        from anxin.search import services

        if settings.SEARCH_INDEX_ON_WRITE:
            record_changed.connect(services.on_record_changed, dispatch_uid="search-index")
