from django.contrib import admin

from anxin.mailintake.models import InboundMail


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    """The mail log: what each fetched mail became; quarantined and ignored mails keep their raw file."""

    list_display = ("created_at", "from_address", "subject", "outcome", "reason", "work_order")
    list_filter = ("outcome",)
    search_fields = ("from_address", "subject", "message_id")
    readonly_fields = [f.name for f in InboundMail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
