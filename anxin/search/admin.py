from django.contrib import admin, messages
from django.utils.translation import gettext as _

from anxin.core.errors import DomainError
from anxin.search import services
from anxin.search.models import SearchTerm


@admin.register(SearchTerm)
class SearchTermAdmin(admin.ModelAdmin):
    """G4: the desk's own words the segmenter keeps whole; `anxin reindex` applies them to what is already indexed."""

    list_display = ["word", "created_at"]
    search_fields = ["word"]
    fields = ["word"]

    def has_change_permission(self, request, obj=None):
        return False  # a term is added or deleted, never edited into another word

    def save_model(self, request, obj, form, change):
        try:
            services.term_add(actor=request.user, word=obj.word, request=request)
            messages.info(request, _("New orders use the word at once; run `anxin reindex` for the older ones."))
        except DomainError as exc:
            messages.error(request, str(exc))

    def delete_model(self, request, obj):
        services.term_remove(actor=request.user, term=obj, request=request)
