from django.contrib import admin

from anxin.reports.models import ComplaintReport, ComplaintReportSchedule


@admin.register(ComplaintReportSchedule)
class ComplaintReportScheduleAdmin(admin.ModelAdmin):
    """H3: the administrator sets which complaint reports the worker makes by itself and who is told."""

    list_display = ["kind", "unit", "day", "is_active"]
    list_filter = ["kind", "is_active"]
    filter_horizontal = ["subscribers"]


@admin.register(ComplaintReport)
class ComplaintReportAdmin(admin.ModelAdmin):
    """Made reports are read at /reports/complaints/; here they can only be listed or removed."""

    list_display = ["kind", "unit", "since", "until", "generated_at", "generated_by"]
    list_filter = ["kind"]
    readonly_fields = ["kind", "unit", "since", "until", "figures", "generated_at", "generated_by"]

    def has_add_permission(self, request):
        return False
