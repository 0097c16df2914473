from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """J3: who viewed, exported or changed what, when and from where. Append-only.

    `object_type` is "app.model"; `object_id` is the public id (or pk where there is none).
    No service updates or deletes rows, and the admin offers view only.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("View")
        EXPORT = "export", _("Export")
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")
        IMPORT = "import", _("Import")
        UNMASK = "unmask", _("Reveal phone")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, verbose_name=_("actor"))
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.CharField(_("summary"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        # the site's time zone, as everywhere a user reads a time (the list and the detail must agree)
        return f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}"
