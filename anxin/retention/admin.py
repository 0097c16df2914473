from django.contrib import admin

from anxin.audit.services import audited_save
from anxin.core.admin import ReadOnlyAdminMixin
from anxin.retention.models import LegalHold, PurgeBatch


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    """B4: a customer under a legal hold is never purged while the hold stands (set and lifted here, audited)."""

    list_display = ["customer", "reason", "set_by", "created_at"]
    search_fields = ["customer__name", "reason"]
    raw_id_fields = ["customer"]
    exclude = ["set_by"]

    def save_model(self, request, obj, form, change):
        obj.set_by = obj.set_by or request.user
        audited_save(obj=obj, actor=request.user, request=request)


@admin.register(PurgeBatch)
class PurgeBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: batches are reviewed at /retention/, where every step is audited."""

    list_display = ["created_at", "kind", "status", "proposed_by", "reviewed_by", "done_at"]
    list_filter = ["kind", "status"]
