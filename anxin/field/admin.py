"""The catalogues and the technicians' profiles, kept by service managers in the admin.
Saves go through `catalogue.reference_save` (validated + audited)."""

from django.contrib import admin, messages

from anxin.core.admin import ReadOnlyAdminMixin
from anxin.core.errors import DomainError
from anxin.field.models import (
    Assignment,
    JobType,
    Part,
    PriceItem,
    Skill,
    Stock,
    TechnicianProfile,
    Warehouse,
)
from anxin.field.services import catalogue


class ServiceSavedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        try:
            catalogue.reference_save(obj=obj, actor=request.user, request=request)
        except DomainError as exc:
            messages.error(request, str(exc))


@admin.register(JobType)
class JobTypeAdmin(ServiceSavedAdmin):
    list_display = ["code", "name", "trade", "min_level", "standard_minutes", "category", "is_active"]
    list_filter = ["trade", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Part)
class PartAdmin(ServiceSavedAdmin):
    list_display = ["number", "name", "unit"]
    search_fields = ["number", "name"]


@admin.register(PriceItem)
class PriceItemAdmin(ServiceSavedAdmin):
    list_display = ["code", "name", "kind", "unit", "unit_price", "part", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Warehouse)
class WarehouseAdmin(ServiceSavedAdmin):
    list_display = ["code", "name", "site"]


@admin.register(Stock)
class StockAdmin(ServiceSavedAdmin):
    """Receipts and stock counts; issues to jobs only go through requisitions."""

    list_display = ["warehouse", "part", "quantity", "safe_quantity"]
    list_filter = ["warehouse"]


class SkillInline(admin.TabularInline):
    model = Skill
    extra = 1


@admin.register(TechnicianProfile)
class TechnicianProfileAdmin(ServiceSavedAdmin):
    list_display = ["user", "trade", "shift_start", "shift_end", "capacity_minutes", "is_active"]
    list_filter = ["trade", "is_active"]
    inlines = [SkillInline]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["day", "work_order", "technician", "planned_start", "source", "override_reason", "cancelled_at"]
    list_filter = ["day", "source"]
