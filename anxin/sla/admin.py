from django.contrib import admin, messages

from anxin.core.admin import ReadOnlyAdminMixin
from anxin.core.errors import DomainError
from anxin.sla import services
from anxin.sla.models import BusinessHours, CalendarOverride, Clock, PublishedYear, SlaPolicy


class ServiceSavedAdmin(admin.ModelAdmin):
    """Saves go through `sla.services.reference_save` (validation + audit), never straight to the model."""

    def save_model(self, request, obj, form, change):
        try:
            services.reference_save(obj=obj, actor=request.user, request=request)
        except DomainError as exc:
            messages.error(request, str(exc))


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ServiceSavedAdmin):
    list_display = ["name", "metric", "tier", "type", "priority", "target_minutes", "clock", "warn_at_percent",
                    "is_active"]
    list_filter = ["metric", "clock", "is_active"]


@admin.register(BusinessHours)
class BusinessHoursAdmin(ServiceSavedAdmin):
    list_display = ["site", "hours"]


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(ServiceSavedAdmin):
    list_display = ["starts_on", "ends_on", "is_workday", "site", "reason"]
    list_filter = ["is_workday", "site"]


@admin.register(PublishedYear)
class PublishedYearAdmin(ServiceSavedAdmin):
    list_display = ["year"]


@admin.register(Clock)
class ClockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: clocks are derived from the timeline by the sweep."""

    list_display = ["work_order", "metric", "state", "due_at", "warned_at", "breached_at", "escalation_level", "error"]
    list_filter = ["metric", "state"]
