"""The one writer of the audit log. Call it inside the transaction of the change it records."""

from typing import Any

from django.http import HttpRequest

from anxin.audit.models import AuditLog
from anxin.core.http import client_ip


def audit_record(
    *, actor: Any, action: str, object_type: str, object_id: Any = "", summary: str = "",
    request: HttpRequest | None = None, data: dict | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=str(summary)[:255],
        ip_address=client_ip(request),
        data=data or {},
    )


def audited_save(*, obj, actor: Any, request: HttpRequest | None = None):
    """Reference data edited in the admin (SLA policies, catalogues, rosters): validate, save, and record every
    field's value, so the audit log shows what a promise or a price was at any time."""
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from anxin.core.errors import domain_error_from

    try:
        obj.full_clean()
    except ValidationError as exc:
        raise domain_error_from(exc) from exc
    action = "update" if obj.pk else "create"
    with transaction.atomic():
        obj.save()
        audit_record(actor=actor, action=action, object_type=f"{obj._meta.app_label}.{obj._meta.model_name}",
                     object_id=obj.pk, summary=str(obj)[:200], request=request,
                     data={f.name: str(getattr(obj, f.attname)) for f in obj._meta.concrete_fields
                           if f.name not in ("created_at", "updated_at")})
    return obj
