from django.contrib import admin, messages

from anxin.complaints import services
from anxin.complaints.models import AuthorisationLimit
from anxin.core.errors import DomainError


@admin.register(AuthorisationLimit)
class AuthorisationLimitAdmin(admin.ModelAdmin):
    """D4: service managers adjust who may grant how much; every change is in the audit log."""

    list_display = ["role", "kind", "amount"]
    list_filter = ["role", "kind"]
    list_editable = ["amount"]

    def save_model(self, request, obj, form, change):
        try:
            services.limit_save(obj=obj, actor=request.user, request=request)
        except DomainError as exc:
            messages.error(request, str(exc))

    def changelist_view(self, request, extra_context=None):
        services.limits_seed()  # show the defaults as editable rows from the first visit
        return super().changelist_view(request, extra_context)
