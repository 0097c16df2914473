from django.contrib import admin

from anxin.audit.models import AuditLog
from anxin.core.admin import ReadOnlyAdminMixin


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Readable by administrators; nobody may add, change or delete entries here (J3)."""

    list_display = ["created_at", "actor", "action", "object_type", "object_id", "summary", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "summary", "actor__username"]
    date_hierarchy = "created_at"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("audit.view_auditlog")
