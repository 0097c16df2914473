from django.contrib import admin

from anxin.audit.services import audited_save
from anxin.workorders.models import Category, Incident, OutageRule


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Categories are reference data that administrators maintain; orders change only through services."""

    list_display = ["code", "name", "parent", "family", "is_active"]
    list_filter = ["family", "is_active"]


@admin.register(OutageRule)
class OutageRuleAdmin(admin.ModelAdmin):
    """A11: how many reports of a category, in which area and how fast, make a suspected mass outage."""

    list_display = ["category", "threshold", "window_minutes", "area_level", "is_active"]

    def save_model(self, request, obj, form, change):
        audited_save(obj=obj, actor=request.user, request=request)


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    """Read-only here: incidents are decided on their page (/orders/incidents/), where every step is audited."""

    list_display = ["created_at", "site", "category", "district", "street", "status", "eta", "restored_at"]
    list_filter = ["status", "category"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
