"""The one writer of the audit log. Call it inside the transaction of the change it records."""

from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from anxin.audit.models import AuditLog
from anxin.core.http import client_ip

# Every write of the desk writes one of these rows: a plain INSERT, built once — Model.objects.create() compiled
# the statement each time (0.21 → 0.08 ms of an API create's 4 ms). Values still pass the fields' own adaptation.
_FIELDS = [AuditLog._meta.get_field(name) for name in ("created_at", "actor", "action", "object_type", "object_id",
                                                         "summary", "ip_address", "data")]
_INSERT = (f"INSERT INTO {AuditLog._meta.db_table} ({', '.join(f.column for f in _FIELDS)}) "
           f"VALUES ({', '.join(['%s'] * len(_FIELDS))})")


def audit_record(
    *, actor: Any, action: str, object_type: str, object_id: Any = "", summary: str = "",
    request: HttpRequest | None = None, data: dict | None = None,
) -> None:
    values = (timezone.now(), actor.pk if getattr(actor, "is_authenticated", False) else None, action,
              object_type, str(object_id), str(summary)[:255], client_ip(request), data or {})
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [field.get_db_prep_save(value, connection)
                                 for field, value in zip(_FIELDS, values, strict=True)])


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
