"""Checks every field step shares: the order is a field job, the actor is the desk or its technician, a step
runs once per one-time token, an amount is positive."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.core.errors import PermissionDeniedError
from anxin.field.models import (
    StepToken,
)
from anxin.field.services.errors import invalid
from anxin.workorders.models import WorkOrder
from anxin.workorders.states import Family


def require_field(order: WorkOrder) -> None:
    if order.family != Family.FIELD:
        raise invalid(_("This order is not a field job."), "order")


def require_desk(actor: User) -> None:
    if not actor.has_perm("workorders.change_workorder") or not actor.has_perm("workorders.view_team_orders"):
        raise PermissionDeniedError()


def require_own(order: WorkOrder, actor: User) -> None:
    """A technician works only on orders given to him; the desk (team view) may record steps for him."""
    if not actor.has_perm("workorders.change_workorder"):
        raise PermissionDeniedError()
    if actor.has_perm("workorders.view_team_orders"):
        return
    owner_id = WorkOrder.objects.filter(pk=order.pk).values_list("owner_id", flat=True).first()  # not a stale copy
    if owner_id != actor.id:
        raise PermissionDeniedError(_("This order is not assigned to you."))


def positive_amount(value, field: str, limit: Decimal) -> Decimal:
    """A quantity or price typed by a person: a number above 0, at most `limit`, at most two decimals."""
    try:
        number = Decimal(str(value))
    except ArithmeticError as exc:
        raise invalid(_("Enter a number."), field) from exc
    if not number.is_finite() or number <= 0:
        raise invalid(_("Must be more than 0."), field)
    if number > limit or number != number.quantize(Decimal("0.01")):
        raise invalid(_("Too large or more than two decimals."), field)
    return number


def once(order: WorkOrder, token: str) -> bool:
    """True the first time a phone step's token is seen. A step resent after a lost connection is a no-op."""
    if not token:
        return True
    try:
        with transaction.atomic():
            StepToken.objects.create(token=token[:64], work_order=order)
    except IntegrityError:
        return False
    return True

