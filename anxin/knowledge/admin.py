from django.contrib import admin

from anxin.knowledge import services
from anxin.knowledge.models import KnowledgeCategory


@admin.register(KnowledgeCategory)
class KnowledgeCategoryAdmin(admin.ModelAdmin):
    """The category tree of the knowledge base; articles themselves are written and reviewed at /kb/."""

    list_display = ["__str__", "position"]
    fields = ["name", "parent", "position"]

    def save_model(self, request, obj, form, change):
        services.category_save(obj=obj, actor=request.user, request=request)
