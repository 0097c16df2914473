from uuid import UUID

from anxin.accounts.models import User
from anxin.accounts.scope import scope_filter
from anxin.core.errors import NotFound
from anxin.intake.models import ContactLog


def contactlog_qs_for(user: User):
    return ContactLog.objects.filter(scope_filter(user)).select_related("customer", "taker", "work_order")


def contactlog_get_for(*, user: User, public_id: UUID | str) -> ContactLog:
    try:
        UUID(str(public_id))
    except ValueError as exc:
        raise NotFound() from exc
    log = contactlog_qs_for(user).filter(public_id=public_id).first()
    if log is None or not user.has_perm("intake.view_contactlog"):
        raise NotFound()
    return log


def contactlog_recent_for_customer(*, user: User, customer_id: int, limit: int = 10) -> list[ContactLog]:
    return list(contactlog_qs_for(user).filter(customer_id=customer_id).order_by("-received_at")[:limit])


def contactlog_recent_for_phone(*, user: User, phone: str, limit: int = 10) -> list[ContactLog]:
    return list(contactlog_qs_for(user).filter(phone=phone).order_by("-received_at")[:limit])


def contactlog_by_token(*, user: User, token: str) -> ContactLog | None:
    """The log a form with this one-time token already created (a double submit), if any."""
    return ContactLog.objects.select_related("work_order").filter(client_token=token, taker=user).first() if token else None
