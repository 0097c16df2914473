"""The one writer of the audit log. Call it inside the transaction of the change it records."""

from typing import Any

from django.http import HttpRequest

from anxin.audit.models import AuditLog


def client_ip(request: HttpRequest | None) -> str | None:
    # X-Forwarded-For is ignored on purpose (SECURITY-CASES 37): set it only behind a known proxy.
    return request.META.get("REMOTE_ADDR") if request is not None else None


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
