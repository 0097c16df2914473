"""G2 scripts (话术): which situations fit the order the agent has open, and the placeholders filled from it.

Placeholders are written the way the desk says them: {客户姓名} {工单号} {承诺时间} {工号} {技师姓名} {预约时间}.
A placeholder with nothing to fill it stays visible as 【…】, so the agent sees what to say in their own words.
"""

import re

from django.utils import timezone

from anxin.knowledge.models import Situation
from anxin.workorders.models import WorkOrder
from anxin.workorders.states import OPEN_STATUSES, Family

PLACEHOLDER = re.compile(r"\{(客户姓名|工单号|承诺时间|工号|技师姓名|预约时间)\}")

CALL_SITUATIONS = [Situation.GREETING, Situation.IDENTITY, Situation.CLARIFY, Situation.REFUSAL, Situation.ABUSE,
                   Situation.CLOSING]


def situations_for(order: WorkOrder | None, *, within_promise: bool | None = None, on_revisit: bool = False
                   ) -> list[str]:
    """The script situations that fit: the call itself, then the order's state (open, late, emergency, complaint)."""
    if on_revisit:
        return [Situation.REVISIT, Situation.APOLOGY, Situation.CLOSING]
    if order is None:
        return list(CALL_SITUATIONS)
    fits: list[str] = []
    if order.is_emergency:
        fits.append(Situation.EMERGENCY)
    if order.status in OPEN_STATUSES:
        if within_promise is False:
            fits += [Situation.REPEAT_OVERDUE, Situation.APOLOGY]
        else:
            fits += [Situation.REPEAT_WITHIN, Situation.URGE]
    if order.family == Family.COMPLAINT:
        fits.append(Situation.APOLOGY)
    elif order.family == Family.FIELD:
        fits.append(Situation.FAULT)
    fits += [Situation.GREETING, Situation.CLOSING]
    return list(dict.fromkeys(fits))


def fill(text: str, *, order: WorkOrder | None, agent, promised=None, appointment=None, technician=None) -> str:
    """The script with the order's facts in place of its placeholders."""
    local = timezone.localtime
    values = {
        "客户姓名": order.customer.name if order is not None and order.customer_id else "",
        "工单号": order.number if order is not None else "",
        "承诺时间": local(promised).strftime("%m月%d日 %H:%M") if promised else "",
        "工号": getattr(agent, "employee_no", "") or "",
        "技师姓名": technician.get_full_name() or technician.username if technician else "",
        "预约时间": f"{local(appointment.window_from):%m月%d日 %H:%M}–{local(appointment.window_to):%H:%M}"
        if appointment else "",
    }
    return PLACEHOLDER.sub(lambda m: values[m.group(1)] or f"【{m.group(1)}】", text)


def _promised(order: WorkOrder | None):
    from anxin.sla.selectors import promise_state

    return promise_state(order=order) if order is not None else None


def situations_for_order(order: WorkOrder | None, *, on_revisit: bool = False) -> list[str]:
    """situations_for with the order's promise state read from its SLA clocks."""
    state = _promised(order)
    return situations_for(order, within_promise=state[0] if state else None, on_revisit=on_revisit)


def fill_for_order(text: str, *, order: WorkOrder | None, agent) -> str:
    """fill with the order's promise, and for a field job its agreed window and technician."""
    state = _promised(order)
    view = None
    if order is not None and order.family == Family.FIELD:
        from anxin.field.selectors import field_order_view

        view = field_order_view(order=order)
    return fill(text, order=order, agent=agent, promised=state[1] if state else None,
                appointment=view.appointment if view else None,
                technician=view.assignment.technician if view and view.assignment else None)
