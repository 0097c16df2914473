from django.contrib import admin
from django.core.exceptions import ValidationError

from anxin.core.admin import ReadOnlyAdminMixin
from anxin.notifications.models import Notification, Preference, WebhookEndpoint
from anxin.notifications.transports import check_webhook_url


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """I2: administrators see every delivery, its attempts, its error and the request it sent."""

    list_display = ["created_at", "recipient", "channel", "kind", "subject", "state", "attempts", "last_error"]
    list_filter = ["state", "channel", "kind"]
    search_fields = ["subject", "recipient__username", "dedupe_key"]


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "channels", "quiet_from", "quiet_to"]


class WebhookForm(admin.ModelAdmin.form):
    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            check_webhook_url(url)  # SECURITY-CASES 40: refused at save as well as at send
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["name", "url", "kinds", "is_active"]
